package limit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// DefaultRedisPrefix starts the name of every key the limits keep in Redis.
const DefaultRedisPrefix = "tenantry:rl:"

// DefaultRedisTimeout bounds each call to Redis on a request's path: a
// Redis next to the servers answers in well under a millisecond, and a
// request never waits longer than this for it.
const DefaultRedisTimeout = 100 * time.Millisecond

// redisRest is how long, after a call failed, requests are counted by this
// process alone without trying Redis: while Redis is unreachable, requests
// do not each wait for the timeout.
const redisRest = time.Second

// redisLogEvery is how often a failing Redis is logged at most.
const redisLogEvery = time.Minute

// A leased rate (Redis.LeasedRate) takes up to burst/leaseDivisor tokens of
// a key's bucket (at least 1) in one call, and spends them in this process
// for at most leaseAge.
const (
	leaseDivisor = 20
	leaseAge     = time.Second
)

//go:embed redis.lua
var gcraSource string

// gcra is the script every Redis rate runs (redis.lua): EVALSHA, loaded on
// first use.
var gcra = redis.NewScript(gcraSource)

// RedisOptions configure NewRedis.
type RedisOptions struct {
	// KeySecret keys the hash that names each bucket in Redis, so that no
	// key holds an address, an email or a user id as it is, nor one that
	// can be guessed from it. Required; every replica must have the same.
	KeySecret []byte
	// Prefix starts every key's name (DefaultRedisPrefix when empty).
	Prefix string
	// Timeout bounds each call (DefaultRedisTimeout when 0).
	Timeout time.Duration
	// Logger receives a warning when Redis fails, at most once a minute.
	// Nil discards it.
	Logger *slog.Logger
	// CallerClock counts with the time passed to Take, Queue and Charge
	// (tests, on a fake clock). Otherwise the buckets run on Redis's own
	// clock, one clock for every replica whatever theirs say.
	CallerClock bool
}

// Redis keeps rates in a Redis server, so that every replica of the server
// spends from one budget per key. A call that fails or takes longer than the
// timeout is counted by this process alone (each Rate keeps a Local for
// that), never refused for it and never an error: while Redis is down, each
// replica limits on its own, as if it were alone. Fallbacks counts those
// requests, and the Logger hears of them once a minute.
type Redis struct {
	client      *redis.Client
	prefix      string
	secret      []byte
	timeout     time.Duration
	callerClock bool
	log         *slog.Logger

	fallbacks atomic.Uint64
	// calls counts the script's runs tried (the round trips, but for
	// those skipped while Redis rests).
	calls atomic.Uint64
	// restUntil is when Redis is tried again after a failure, and
	// loggedAt when a failure was last logged (Unix nanoseconds).
	restUntil atomic.Int64
	loggedAt  atomic.Int64
}

// NewRedis returns the limits' connection to the Redis server at rawURL
// (redis://[[user]:password@]host[:port][/db], or rediss:// for TLS). It
// connects on first use: Ping checks that the server answers. An error never
// holds the URL's password.
func NewRedis(rawURL string, opts RedisOptions) (*Redis, error) {
	if len(opts.KeySecret) == 0 {
		return nil, errors.New("limit: RedisOptions.KeySecret is required")
	}
	o, err := ParseRedisURL(rawURL)
	if err != nil {
		return nil, err
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultRedisTimeout
	}
	if opts.Prefix == "" {
		opts.Prefix = DefaultRedisPrefix
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	// Every wait is bounded by the timeout: dialling, the pool, reading
	// and writing, with no retry (the next request tries again).
	for _, d := range []*time.Duration{&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout} {
		if *d <= 0 {
			*d = opts.Timeout
		}
	}
	o.MaxRetries = -1
	o.DialerRetries = 1
	o.ContextTimeoutEnabled = true
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return &Redis{
		client:      redis.NewClient(o),
		prefix:      opts.Prefix,
		secret:      opts.KeySecret,
		timeout:     opts.Timeout,
		callerClock: opts.CallerClock,
		log:         opts.Logger,
	}, nil
}

// ParseRedisURL checks a Redis URL as NewRedis takes it and returns its
// options. Its errors never hold the URL's password.
func ParseRedisURL(rawURL string) (*redis.Options, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL, which holds the password
		}
		return nil, fmt.Errorf("not a URL: %v", err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("want a redis:// or rediss:// URL, not %s://", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("the URL names no host")
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		msg := err.Error()
		if pw, ok := u.User.Password(); ok && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
		return nil, errors.New(msg)
	}
	return o, nil
}

// RedactRedisURL is a Redis URL fit for a log: its password reads xxxxx.
// One that does not parse is not shown at all.
func RedactRedisURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Redacted()
}

// Ping checks that Redis answers within ctx.
func (r *Redis) Ping(ctx context.Context) error {
	return r.client.Ping(ctx).Err()
}

// Close closes the connections to Redis.
func (r *Redis) Close() error { return r.client.Close() }

// Fallbacks is how many checks were counted by this process alone because
// Redis failed, timed out, or had failed less than a second before.
func (r *Redis) Fallbacks() uint64 { return r.fallbacks.Load() }

// Rate returns the rate named name (the keys' namespace: one name, one
// limit) refilled at perSecond tokens a second and holding at most burst,
// counted in Redis. It returns nil, no limit, when perSecond or burst is 0
// or less.
func (r *Redis) Rate(name string, perSecond float64, burst int) Rate {
	if perSecond <= 0 || burst <= 0 {
		return nil
	}
	return &shared{
		redis:    r,
		name:     name,
		interval: strconv.FormatFloat(1e6/perSecond, 'g', -1, 64),
		burst:    burst,
		local:    NewLocal(perSecond, burst, 0),
	}
}

// LeasedRate is Rate for a limit checked on every request (a user's
// rate): Queue takes the tokens of a key's bucket from Redis in leases of
// up to burst/20 (at least 1, fewer when the bucket holds fewer) and spends
// them in this process, so that a key costs one round trip per lease
// rather than per request. A lease is spent within a second: past that,
// its unspent tokens are given back with the next lease of its key, and
// forgotten if none comes (or this process forgets the key, or Redis
// fails), which only makes the limit stricter. With N replicas, a key's
// budget is exact to within N leases (N × burst/20 tokens). When the
// bucket holds less than a token, Queue is Rate's: one token reserved in
// Redis, its wait Redis's answer. Take and Charge are Rate's: exact, one
// round trip each.
func (r *Redis) LeasedRate(name string, perSecond float64, burst int) Rate {
	s, ok := r.Rate(name, perSecond, burst).(*shared)
	if !ok {
		return nil
	}
	c, err := lru.New[string, *lease](DefaultKeys)
	if err != nil {
		panic(err) // only for a size of 0 or less
	}
	s.leaseSize, s.leases = max(1, burst/leaseDivisor), c
	return s
}

// shared is a Rate kept in Redis, with the Local that stands in for it
// when Redis fails.
type shared struct {
	redis    *Redis
	name     string
	interval string // microseconds a token, as the script reads it
	burst    int
	local    *Local
	// leases, for a leased rate, are the tokens of each key this process
	// holds, in a bounded LRU map as Local's buckets; leaseSize is how
	// many one call asks for.
	leases    *lru.Cache[string, *lease]
	leaseSize int
}

// lease is tokens of a key's bucket taken from Redis and not yet spent,
// to be spent before until. Its mutex is held across the call for the
// next lease, so that a process holds at most one lease per key however
// many of its requests arrive at once.
type lease struct {
	mu     sync.Mutex
	tokens int
	until  time.Time
}

// lease is key's lease, empty on first use.
func (s *shared) lease(key string) *lease {
	if l, ok := s.leases.Get(key); ok {
		return l
	}
	l := new(lease)
	if prev, ok, _ := s.leases.PeekOrAdd(key, l); ok {
		return prev
	}
	return l
}

// key is the Redis key of key's bucket: the prefix, the rate's name and a
// keyed hash of key.
func (s *shared) key(key string) string {
	m := hmac.New(sha256.New, s.redis.secret)
	m.Write([]byte(s.name))
	m.Write([]byte{0})
	m.Write([]byte(key))
	return s.redis.prefix + s.name + ":" + hex.EncodeToString(m.Sum(nil)[:16])
}

// cost is a check's cost between 1 and the burst.
func (s *shared) cost(n int) int { return min(max(n, 1), s.burst) }

func (s *shared) take(ctx context.Context, now time.Time, checks []Check) (time.Duration, int) {
	var (
		keys  = make([]string, 0, len(checks))
		args  = make([]any, 0, 3+3*len(checks))
		index = make([]int, 0, len(checks)) // a key's check
	)
	args = append(args, "take", s.redis.now(now), 0)
	for i, c := range checks {
		if off(c.Rate) {
			continue
		}
		r := c.Rate.(*shared)
		keys = append(keys, r.key(c.Key))
		args = append(args, r.interval, r.burst, r.cost(c.Cost))
		index = append(index, i)
	}
	res, err := s.redis.run(ctx, keys, args)
	if err != nil {
		local := make([]Check, len(checks))
		for i, c := range checks {
			if !off(c.Rate) {
				local[i] = Check{Rate: c.Rate.(*shared).local, Key: c.Key, Cost: c.Cost}
			}
		}
		return s.local.take(ctx, now, local)
	}
	if res[1] < 0 || int(res[1]) >= len(index) {
		return 0, -1
	}
	return max(time.Duration(res[0])*time.Microsecond, time.Microsecond), index[res[1]]
}

func (s *shared) queue(ctx context.Context, key string, maxWait time.Duration, now time.Time) (time.Duration, bool) {
	if s.leases != nil {
		return s.queueLeased(ctx, key, maxWait, now)
	}
	res, err := s.redis.run(ctx, []string{s.key(key)},
		[]any{"queue", s.redis.now(now), maxWait.Microseconds(), s.interval, s.burst, 1})
	if err != nil {
		return s.local.queue(ctx, key, maxWait, now)
	}
	return time.Duration(res[0]) * time.Microsecond, res[1] == 1
}

// queueLeased is queue of a leased rate: a token of key's lease, or a new
// lease from Redis (the old one's unspent tokens given back), or, when the
// bucket is empty, a token queued for as Rate's queue does.
func (s *shared) queueLeased(ctx context.Context, key string, maxWait time.Duration, now time.Time) (time.Duration, bool) {
	l := s.lease(key)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.tokens > 0 && now.Before(l.until) {
		l.tokens--
		return 0, true
	}
	back := l.tokens
	l.tokens = 0
	res, err := s.redis.run(ctx, []string{s.key(key)},
		[]any{"lease", s.redis.now(now), maxWait.Microseconds(), s.interval, s.burst, s.leaseSize, back})
	if err != nil {
		return s.local.queue(ctx, key, maxWait, now)
	}
	wait, taken := time.Duration(res[0])*time.Microsecond, int(res[1])
	if taken == 0 {
		return wait, false
	}
	if wait <= 0 {
		l.tokens, l.until = taken-1, now.Add(leaseAge)
		return 0, true
	}
	return wait, true
}

func (s *shared) charge(ctx context.Context, key string, n int, now time.Time) {
	_, err := s.redis.run(ctx, []string{s.key(key)},
		[]any{"charge", s.redis.now(now), 0, s.interval, s.burst, s.cost(n)})
	if err != nil {
		s.local.charge(ctx, key, n, now)
	}
}

// now is the time argument of the script: the caller's clock when asked
// for, otherwise empty for Redis's own.
func (r *Redis) now(t time.Time) string {
	if r.callerClock {
		return strconv.FormatInt(t.UnixMicro(), 10)
	}
	return ""
}

// run runs the script within the timeout, whether or not ctx has ended (a
// charge must be made for a client that hung up), and returns its two
// numbers. On an error, the caller falls back to its Local: the error is
// counted, logged at most once a minute, and Redis is left to rest for a
// second.
func (r *Redis) run(ctx context.Context, keys []string, args []any) ([]int64, error) {
	now := time.Now()
	if now.UnixNano() < r.restUntil.Load() {
		r.fallbacks.Add(1)
		return nil, errRedisResting
	}
	r.calls.Add(1)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
	defer cancel()
	res, err := gcra.Run(ctx, r.client, keys, args...).Int64Slice()
	if err == nil && len(res) != 2 {
		err = fmt.Errorf("the script answered %d numbers, not 2", len(res))
	}
	if err != nil {
		r.failed(now, err)
		return nil, err
	}
	return res, nil
}

var errRedisResting = errors.New("limit: Redis failed less than a second ago")

// failed counts a failed call, logs it if none was logged in the last
// minute, and rests Redis.
func (r *Redis) failed(now time.Time, err error) {
	r.fallbacks.Add(1)
	r.restUntil.Store(now.Add(redisRest).UnixNano())
	last := r.loggedAt.Load()
	if now.UnixNano()-last < int64(redisLogEvery) || !r.loggedAt.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	r.log.Warn("rate limits: Redis failed; this process counts requests alone until it answers",
		"error", err.Error(), "fallbacks", r.fallbacks.Load())
}
