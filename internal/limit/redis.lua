-- Token buckets as GCRA (the generic cell rate algorithm), one Redis key per
-- bucket holding its theoretical arrival time (TAT) in microseconds. A bucket
-- holds (now + burst * interval - TAT) / interval tokens: full (burst) when
-- TAT is now or past, negative when in debt. A key lives until its TAT: an
-- absent key is a full bucket, so memory follows the keys in use.
--
-- ARGV[1]  "take" (every bucket's cost, or nothing), "queue" (one token of
--          KEYS[1], reserving it up to ARGV[3] ahead), "lease" (up to the
--          cost in tokens KEYS[1] holds, or else as queue) or "charge"
--          (KEYS[1]'s cost into debt, never deeper than the cost)
-- ARGV[2]  now in microseconds, or "" for Redis's own clock
-- ARGV[3]  queue and lease: the longest wait, in microseconds
-- then, for each key: interval (microseconds a token), burst, cost
-- lease's ARGV[7]: tokens of an earlier lease, unspent, given back first
--
-- Returns {wait in microseconds, which}: take's which is the 0-based index of
-- the bucket to wait for longest (-1 when admitted); queue's is 1 when the
-- token was taken or reserved, 0 when refused; lease's is the number of
-- tokens taken (their wait 0), or as queue's when the bucket holds less than
-- one; charge returns {0, 0}.
redis.replicate_commands() -- Redis before 5: TIME before a write

local now
if ARGV[2] == "" then
  local t = redis.call("TIME")
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
else
  now = tonumber(ARGV[2])
end

-- bucket returns key i's TAT (now at the earliest), interval, tolerance
-- (burst * interval) and cost.
local function bucket(i)
  local a = 3 + (i - 1) * 3
  local interval = tonumber(ARGV[a + 1])
  local tat = tonumber(redis.call("GET", KEYS[i]) or now)
  if tat < now then
    tat = now
  end
  return tat, interval, interval * tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3])
end

-- store sets key i's TAT, to be forgotten once it has passed.
local function store(i, tat)
  local ttl = math.ceil((tat - now) / 1000)
  if ttl > 0 then
    redis.call("SET", KEYS[i], string.format("%.0f", tat), "PX", ttl)
  else
    redis.call("DEL", KEYS[i])
  end
end

-- waitFor is how long until a bucket whose TAT would be tat holds the
-- tokens, in whole microseconds (the TAT is stored to the microsecond).
local function waitFor(tat, tolerance)
  return math.floor(tat - tolerance - now + 0.5)
end

local op = ARGV[1]
if op == "take" then
  local wait, which, tats = 0, -1, {}
  for i = 1, #KEYS do
    local tat, interval, tolerance, cost = bucket(i)
    tats[i] = tat + cost * interval
    local w = waitFor(tats[i], tolerance)
    if w > wait then
      wait, which = w, i - 1
    end
  end
  if which >= 0 then
    return {wait, which}
  end
  for i = 1, #KEYS do
    store(i, tats[i])
  end
  return {0, -1}
elseif op == "queue" then
  local tat, interval, tolerance = bucket(1)
  local w = waitFor(tat + interval, tolerance)
  if w > tonumber(ARGV[3]) then
    return {w, 0}
  end
  store(1, tat + interval)
  return {math.max(w, 0), 1}
elseif op == "lease" then
  local tat, interval, tolerance, want = bucket(1)
  local back = tonumber(ARGV[7]) or 0
  if back > 0 then
    tat = math.max(tat - back * interval, now)
  end
  local w = waitFor(tat + interval, tolerance)
  if w <= 0 then
    -- At least one token: take as many as the bucket holds, up to want.
    local held = math.floor((now + tolerance - tat) / interval + 1e-6)
    local n = math.max(1, math.min(want, held))
    store(1, tat + n * interval)
    return {0, n}
  end
  if w > tonumber(ARGV[3]) then
    if back > 0 then
      store(1, tat)
    end
    return {w, 0}
  end
  store(1, tat + interval)
  return {w, 1}
elseif op == "charge" then
  local tat, interval, tolerance, cost = bucket(1)
  store(1, math.min(tat, now + tolerance) + cost * interval)
  return {0, 0}
end
return redis.error_reply("unknown op " .. tostring(op))
