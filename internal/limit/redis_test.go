package limit

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testRedisURL is the Redis the tests use: TENANTRY_TEST_REDIS, such as
// redis://127.0.0.1:6379/15, or "" to skip them.
func testRedisURL() string { return os.Getenv("TENANTRY_TEST_REDIS") }

// testPrefix is a key prefix of the test's own, whose keys are deleted when
// the test ends.
func testPrefix(t *testing.T) string {
	t.Helper()
	prefix := "tenantry-test:" + rand.Text() + ":"
	t.Cleanup(func() {
		o, err := redis.ParseURL(testRedisURL())
		if err != nil {
			return
		}
		c := redis.NewClient(o)
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
	})
	return prefix
}

// testRedis is a Redis of the test's own prefix and secret, on the caller's
// clock or Redis's, or nil when TENANTRY_TEST_REDIS is not set.
func testRedis(t *testing.T, callerClock bool) *Redis {
	t.Helper()
	if testRedisURL() == "" {
		return nil
	}
	return openTestRedis(t, RedisOptions{KeySecret: []byte(rand.Text()), Prefix: testPrefix(t), CallerClock: callerClock})
}

// needRedis skips the test unless TENANTRY_TEST_REDIS is set.
func needRedis(t *testing.T) {
	t.Helper()
	if testRedisURL() == "" {
		t.Skip("TENANTRY_TEST_REDIS is not set (e.g. redis://127.0.0.1:6379/15): skipping the test against Redis")
	}
}

func openTestRedis(t *testing.T, opts RedisOptions) *Redis {
	t.Helper()
	r, err := NewRedis(testRedisURL(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	if err := r.Ping(context.Background()); err != nil {
		t.Fatalf("TENANTRY_TEST_REDIS does not answer: %v", err)
	}
	return r
}

// TestRedisReplicasShareBudget runs two Redis limiters, as two replicas
// would, on Redis's clock: what one spends, the other cannot.
func TestRedisReplicasShareBudget(t *testing.T) {
	t.Parallel()
	needRedis(t)
	opts := RedisOptions{KeySecret: []byte(rand.Text()), Prefix: testPrefix(t)}
	a, b := openTestRedis(t, opts), openTestRedis(t, opts)
	now := time.Now()

	// Sign-in: an address's and an account's buckets, 4 attempts a
	// minute, shared.
	ipA, acctA := a.Rate("signin_ip", 4.0/60, 4), a.Rate("signin_account", 4.0/60, 4)
	ipB, acctB := b.Rate("signin_ip", 4.0/60, 4), b.Rate("signin_account", 4.0/60, 4)
	for i, r := range [][2]Rate{{ipA, acctA}, {ipB, acctB}, {ipA, acctA}} {
		if d := Take(bg, now, Check{r[0], "10.0.0.1", 1}, Check{r[1], "alice@example.com", 1}); d != 0 {
			t.Fatalf("attempt %d: wait %v", i+1, d)
		}
	}
	Charge(bg, acctB, "alice@example.com", 1, now) // a failure on b costs one more
	for _, r := range [][2]Rate{{ipA, acctA}, {ipB, acctB}} {
		d, which := TakeWhich(bg, now, Check{r[0], "10.0.0.1", 1}, Check{r[1], "alice@example.com", 1})
		if which != 1 || d <= 0 || d > 15*time.Second {
			t.Fatalf("after 4 tokens spent on two replicas: wait %v for check %d, want up to 15s for the account (1)", d, which)
		}
	}
	// The address still has a token, on either replica: the refusals spent
	// nothing.
	if d := Take(bg, now, Check{ipB, "10.0.0.1", 1}); d != 0 {
		t.Fatalf("the address after refusals: wait %v", d)
	}
	if d := Take(bg, now, Check{ipA, "10.0.0.1", 1}); d <= 0 {
		t.Fatal("the address's fifth attempt in a minute passed")
	}

	// A user's rate: 10 a second, 2 at once, queued up to 150 ms.
	userA, userB := a.Rate("user_rate", 10, 2), b.Rate("user_rate", 10, 2)
	var waits []time.Duration
	for _, r := range []Rate{userA, userB, userA, userB} {
		d, ok := Queue(bg, r, "u1", 150*time.Millisecond, now)
		if !ok {
			waits = append(waits, -1)
			continue
		}
		waits = append(waits, d)
	}
	if waits[0] != 0 || waits[1] != 0 || waits[2] <= 0 || waits[2] > 100*time.Millisecond || waits[3] != -1 {
		t.Fatalf("queue across two replicas: %v, want [0 0 (0,100ms] refused]", waits)
	}
	if a.Fallbacks()+b.Fallbacks() != 0 {
		t.Fatalf("%d fallbacks with Redis up", a.Fallbacks()+b.Fallbacks())
	}
}

// TestRedisLeasesShareBudget runs two replicas' leased rates over one
// bucket, each sending faster than the rate: together they pass the
// budget one server would, give or take a lease each (not twice it, as
// replicas counting alone would), and an expired lease's unspent tokens go
// back to the bucket, for either replica to spend.
func TestRedisLeasesShareBudget(t *testing.T) {
	t.Parallel()
	needRedis(t)
	opts := RedisOptions{KeySecret: []byte(rand.Text()), Prefix: testPrefix(t), CallerClock: true}
	a, b := openTestRedis(t, opts), openTestRedis(t, opts)

	// 100 a second, 100 at once: leases of 5. Every 10 ms for a second,
	// each replica tries 5 requests, 10 in all where 1 token comes back.
	const perSecond, burst = 100, 100
	const lease = burst / leaseDivisor
	ra, rb := a.LeasedRate("user_rate", perSecond, burst), b.LeasedRate("user_rate", perSecond, burst)
	var passed [2]int
	const steps, step = 100, 10 * time.Millisecond
	for i := range steps {
		now := t0.Add(time.Duration(i) * step)
		for range 5 {
			for j, r := range []Rate{ra, rb} {
				if _, ok := Queue(bg, r, "u", 0, now); ok {
					passed[j]++
				}
			}
		}
	}
	budget := burst + perSecond*(steps-1)*step.Seconds() // 199
	total := float64(passed[0] + passed[1])
	t.Logf("over %v: %v passed (%d and %d), budget %v, leases of %d", steps*step, total, passed[0], passed[1], budget, lease)
	if total > budget+2*lease || total < budget-2*lease {
		t.Fatalf("two replicas passed %v (%d and %d), want the budget %v within two leases (%d)", total, passed[0], passed[1], budget, 2*lease)
	}
	if passed[0] < 50 || passed[1] < 50 {
		t.Fatalf("passed %v: each replica should have had a share", passed)
	}

	// One token every 100 s, 40 at once: leases of 2. a takes a lease and
	// spends one token of it; b spends all the rest.
	slowA, slowB := a.LeasedRate("slow", 0.01, 40), b.LeasedRate("slow", 0.01, 40)
	if _, ok := Queue(bg, slowA, "u", 0, t0); !ok {
		t.Fatal("the first request was refused")
	}
	n := 0
	for ; n < 50; n++ {
		if _, ok := Queue(bg, slowB, "u", 0, t0); !ok {
			break
		}
	}
	if n != 38 {
		t.Fatalf("b passed %d with a holding a lease of 2, want 38", n)
	}
	// Past the lease's second, a gives its unspent token back with its
	// next lease and spends it; then the bucket is empty for both.
	later := t0.Add(2 * leaseAge)
	if _, ok := Queue(bg, slowA, "u", 0, later); !ok {
		t.Fatal("a's unspent token was not given back")
	}
	for i, r := range []Rate{slowA, slowB} {
		if d, ok := Queue(bg, r, "u", 0, later); ok || d <= 90*time.Second {
			t.Fatalf("replica %d with the bucket spent: %v %v, want refused for about 100 s", i, d, ok)
		}
	}
	if a.Fallbacks()+b.Fallbacks() != 0 {
		t.Fatalf("%d fallbacks with Redis up", a.Fallbacks()+b.Fallbacks())
	}
}

// TestRedisLeaseRoundTrips counts the calls to Redis of a user's 1,000
// requests at the server's defaults (500 a second, 1,000 at once): one per
// lease of 50, not one per request; past the burst, each request is queued
// by Redis again, with the wait it answers.
func TestRedisLeaseRoundTrips(t *testing.T) {
	t.Parallel()
	needRedis(t)
	r := testRedis(t, true)
	user := r.LeasedRate("user_rate", 500, 1000)
	before := r.calls.Load()
	for i := range 1000 {
		if d, ok := Queue(bg, user, "u", 500*time.Millisecond, t0); !ok || d != 0 {
			t.Fatalf("request %d within the burst: %v %v", i+1, d, ok)
		}
	}
	calls := r.calls.Load() - before
	t.Logf("1000 requests: %d calls to Redis", calls)
	if calls > 1000/50+2 {
		t.Fatalf("1000 requests made %d calls to Redis, want at most %d (leases of 50)", calls, 1000/50+2)
	}
	// The bucket is empty: each request is queued in Redis, a token (2 ms)
	// behind the one before, up to the longest wait.
	for i, want := range []time.Duration{2, 4, 6} {
		if d, ok := Queue(bg, user, "u", 5*time.Millisecond, t0); !ok && want*time.Millisecond <= 5*time.Millisecond || ok && d != want*time.Millisecond {
			t.Fatalf("queued request %d: %v %v, want %v", i+1, d, ok, want*time.Millisecond)
		}
	}
	if d, ok := Queue(bg, user, "u", 5*time.Millisecond, t0); ok || d != 6*time.Millisecond {
		t.Fatalf("past the longest wait: %v %v, want 6ms refused", d, ok)
	}

	// The same requests on an exact rate: a call each.
	exact := r.Rate("user_exact", 500, 1000)
	before = r.calls.Load()
	for range 1000 {
		Queue(bg, exact, "u", 0, t0)
	}
	if calls := r.calls.Load() - before; calls != 1000 {
		t.Fatalf("an exact rate made %d calls for 1000 requests, want 1000", calls)
	}
	if r.Fallbacks() != 0 {
		t.Fatalf("%d fallbacks with Redis up", r.Fallbacks())
	}
}

// TestRedisLeaseConcurrent sends one key's requests from many goroutines of
// one process at once: one lease at a time, so together they never pass
// more than the bucket holds.
func TestRedisLeaseConcurrent(t *testing.T) {
	t.Parallel()
	needRedis(t)
	r := testRedis(t, true)
	user := r.LeasedRate("user_rate", 1, 100) // leases of 5
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		passed int
	)
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if _, ok := Queue(bg, user, "u", 0, t0); ok {
					mu.Lock()
					passed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if passed > 100 || passed < 95 {
		t.Fatalf("%d of 400 passed, want the burst of 100 less at most a lease", passed)
	}
}

// TestRedisRetryAfter checks on Redis's clock that a refusal's wait is what
// the rate says, that waiting it is enough, and that a failure's debt is
// capped.
func TestRedisRetryAfter(t *testing.T) {
	t.Parallel()
	needRedis(t)
	r := testRedis(t, false)
	fast := r.Rate("fast", 5, 1) // a token every 200 ms
	if d := Take(bg, time.Time{}, Check{fast, "k", 1}); d != 0 {
		t.Fatal(d)
	}
	d := Take(bg, time.Time{}, Check{fast, "k", 1})
	if d <= 0 || d > 200*time.Millisecond {
		t.Fatalf("wait %v, want (0, 200ms]", d)
	}
	time.Sleep(d)
	if d := Take(bg, time.Time{}, Check{fast, "k", 1}); d != 0 {
		t.Fatalf("after waiting the wait: wait %v", d)
	}

	// The account's defaults: 10 a minute, 10 at once, a failure costs 5.
	acct := r.Rate("signin_account", 10.0/60, 10)
	for range 2 {
		if d := Take(bg, time.Time{}, Check{acct, "bob@example.com", 1}); d != 0 {
			t.Fatal(d)
		}
		Charge(bg, acct, "bob@example.com", 4, time.Time{})
	}
	d = Take(bg, time.Time{}, Check{acct, "bob@example.com", 1})
	if got := RetryAfter(d); got != 6 {
		t.Fatalf("after two failures: wait %v, Retry-After %d, want 6", d, got)
	}
	for range 10 {
		Charge(bg, acct, "bob@example.com", 4, time.Time{})
	}
	d = Take(bg, time.Time{}, Check{acct, "bob@example.com", 1})
	if got := RetryAfter(d); got != 30 {
		t.Fatalf("after ten more failures: wait %v, Retry-After %d, want 30 (the debt capped at one failure)", d, got)
	}
}

// TestRedisKeys checks what Redis holds: keys under the prefix and the
// rate's name, hashed, never the email or the address; each with a TTL no
// longer than its bucket takes to refill.
func TestRedisKeys(t *testing.T) {
	t.Parallel()
	needRedis(t)
	prefix := testPrefix(t)
	r := openTestRedis(t, RedisOptions{KeySecret: []byte(rand.Text()), Prefix: prefix})
	acct, ip := r.Rate("signin_account", 1, 5), r.Rate("signin_ip", 1, 10)
	Take(bg, time.Time{}, Check{ip, "192.0.2.7", 1}, Check{acct, "Carol@Example.com", 1})
	Charge(bg, acct, "Carol@Example.com", 4, time.Time{})

	o, _ := redis.ParseURL(testRedisURL())
	c := redis.NewClient(o)
	defer c.Close()
	keys, err := c.Keys(bg, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("keys %v, want 2", keys)
	}
	shape := regexp.MustCompile("^" + regexp.QuoteMeta(prefix) + `(signin_account|signin_ip):[0-9a-f]{32}$`)
	for _, k := range keys {
		if !shape.MatchString(k) {
			t.Errorf("key %q, want prefix, name and 32 hex digits", k)
		}
		low := strings.ToLower(k)
		for _, secret := range []string{"carol", "example", "192.0.2.7"} {
			if strings.Contains(low, secret) {
				t.Errorf("key %q holds %q", k, secret)
			}
		}
		ttl, err := c.PTTL(bg, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		// The account spent 5 of 5 (1 s each), the address 1 of 10.
		if want := map[bool]time.Duration{true: 5 * time.Second, false: time.Second}[strings.Contains(k, "account")]; ttl <= 0 || ttl > want {
			t.Errorf("key %q: TTL %v, want (0, %v]", k, ttl, want)
		}
	}
}

// TestRedisFallback points a limiter at a closed port: every call is
// answered by this process alone, within the timeout, counted, logged
// once, and the password is in no error or log line.
func TestRedisFallback(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs syncBuffer
	r, err := NewRedis("redis://:hunter2-secret@"+addr+"/0", RedisOptions{
		KeySecret: []byte("k"), Timeout: 50 * time.Millisecond, CallerClock: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Ping(bg); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("Ping of a closed port: %v", err)
	}

	start := time.Now()
	rate := r.Rate("signin_ip", 1, 2)
	for i := range 2 {
		if d := Take(bg, t0, Check{rate, "a", 1}); d != 0 {
			t.Fatalf("take %d with Redis down: wait %v", i+1, d)
		}
	}
	if d := Take(bg, t0, Check{rate, "a", 1}); d != time.Second {
		t.Fatalf("past the burst with Redis down: wait %v, want 1s from this process's count", d)
	}
	Charge(bg, rate, "a", 1, t0)
	if d := Take(bg, t0, Check{rate, "a", 1}); d != 2*time.Second {
		t.Fatalf("after a charge with Redis down: wait %v, want 2s", d)
	}
	if d, ok := Queue(bg, r.Rate("user_rate", 10, 1), "u", 0, t0); !ok || d != 0 {
		t.Fatalf("queue with Redis down: %v %v", d, ok)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Fatalf("six checks with Redis down took %v", elapsed)
	}
	if got := r.Fallbacks(); got != 6 {
		t.Fatalf("%d fallbacks counted, want 6", got)
	}
	out := logs.String()
	if n := strings.Count(out, "Redis failed"); n != 1 {
		t.Fatalf("%d log lines for six failures, want 1:\n%s", n, out)
	}
	if strings.Contains(out, "hunter2") {
		t.Fatalf("the log holds the password:\n%s", out)
	}
}

// TestRedisDownMidRun cuts the connection to a working Redis: requests
// fall back to this process's count at once, and use Redis again once it
// answers.
func TestRedisDownMidRun(t *testing.T) {
	t.Parallel()
	needRedis(t)
	o, err := redis.ParseURL(testRedisURL())
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, o.Addr)
	prefix := testPrefix(t)
	r, err := NewRedis("redis://"+p.addr+"/"+strconv.Itoa(o.DB), RedisOptions{KeySecret: []byte(rand.Text()), Prefix: prefix, CallerClock: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rate := r.Rate("signin_ip", 1, 3)
	if d := Take(bg, t0, Check{rate, "a", 2}); d != 0 {
		t.Fatal(d)
	}
	p.stop()
	start := time.Now()
	// Redis down: this process alone, whose bucket is full.
	if d := Take(bg, t0, Check{rate, "a", 3}); d != 0 {
		t.Fatalf("with Redis cut: wait %v, want this process's full bucket", d)
	}
	if elapsed := time.Since(start); elapsed > DefaultRedisTimeout+200*time.Millisecond {
		t.Fatalf("the fallback took %v", elapsed)
	}
	if r.Fallbacks() != 1 {
		t.Fatalf("%d fallbacks, want 1", r.Fallbacks())
	}
	p.start()
	time.Sleep(redisRest + 100*time.Millisecond)
	// Redis back: its bucket still holds 1 of 3.
	if d := Take(bg, t0, Check{rate, "a", 2}); d != time.Second {
		t.Fatalf("with Redis back: wait %v, want 1s from Redis's count", d)
	}
}

// TestParseRedisURL checks what -redis accepts, and that no error or
// redacted form holds the password.
func TestParseRedisURL(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"redis://127.0.0.1:6379", "redis://:pw@localhost/3", "rediss://user:pw@redis.internal:6380/0"} {
		if _, err := ParseRedisURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "127.0.0.1:6379", "http://127.0.0.1", "redis://:s3cr%zzet@host", "redis://:s3cret@host/notadb", "redis://:s3cret@/0", "unix:///tmp/redis.sock"} {
		_, err := ParseRedisURL(bad)
		if err == nil {
			t.Errorf("%q accepted", bad)
			continue
		}
		if strings.Contains(err.Error(), "s3cr") {
			t.Errorf("%q: the error holds the password: %v", bad, err)
		}
	}
	if got := RedactRedisURL("redis://user:s3cret@host:6379/2"); got != "redis://user:xxxxx@host:6379/2" {
		t.Errorf("redacted: %s", got)
	}
	if got := RedactRedisURL("redis://:s3cr%zzet@host"); strings.Contains(got, "s3cr") {
		t.Errorf("redacted an invalid URL: %s", got)
	}
	if _, err := NewRedis("redis://127.0.0.1", RedisOptions{}); err == nil {
		t.Error("NewRedis without a KeySecret")
	}
}

// BenchmarkTake measures one sign-in check (an address's and an account's
// buckets) and one user's queue, local and in Redis.
func BenchmarkTake(b *testing.B) {
	run := func(b *testing.B, ip, acct, user Rate) {
		b.Run("signin", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				Take(bg, time.Now(), Check{ip, "192.0.2.1", 1}, Check{acct, "bench@example.com", 1})
			}
		})
		b.Run("user", func(b *testing.B) {
			for b.Loop() {
				Queue(bg, user, "0195b2a8-7c4e-7d3a-9f1e-2b6c8d0e4f5a", 0, time.Now())
			}
		})
	}
	b.Run("local", func(b *testing.B) {
		run(b, NewLocal(1e9, 1e9, 0), NewLocal(1e9, 1e9, 0), NewLocal(1e9, 1e9, 0))
	})
	// The server's user rate in Redis: leases of 50 tokens (its burst of
	// 1,000 / 20), refilled fast enough that the bucket never runs dry.
	b.Run("redis-leased", func(b *testing.B) {
		if testRedisURL() == "" {
			b.Skip("TENANTRY_TEST_REDIS is not set")
		}
		r, err := NewRedis(testRedisURL(), RedisOptions{KeySecret: []byte("bench"), Prefix: "tenantry-bench:" + rand.Text() + ":", Timeout: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		user := r.LeasedRate("user", 1e9, 1000)
		b.Run("user", func(b *testing.B) {
			before := r.calls.Load()
			for b.Loop() {
				Queue(bg, user, "0195b2a8-7c4e-7d3a-9f1e-2b6c8d0e4f5a", 0, time.Now())
			}
			b.ReportMetric(float64(r.calls.Load()-before)/float64(b.N), "calls/op")
		})
		if r.Fallbacks() != 0 {
			b.Fatalf("%d fallbacks", r.Fallbacks())
		}
	})
	b.Run("redis", func(b *testing.B) {
		if testRedisURL() == "" {
			b.Skip("TENANTRY_TEST_REDIS is not set")
		}
		r, err := NewRedis(testRedisURL(), RedisOptions{KeySecret: []byte("bench"), Prefix: "tenantry-bench:" + rand.Text() + ":", Timeout: time.Second})
		if err != nil {
			b.Fatal(err)
		}
		defer r.Close()
		run(b, r.Rate("ip", 1e9, 1e9), r.Rate("account", 1e9, 1e9), r.Rate("user", 1e9, 1e9))
		if r.Fallbacks() != 0 {
			b.Fatalf("%d fallbacks", r.Fallbacks())
		}
	})
}

// syncBuffer is a bytes.Buffer safe for a logger and a test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proxy forwards TCP connections to a target, until stopped: a Redis that
// goes away and comes back.
type proxy struct {
	t      *testing.T
	addr   string
	target string
	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	p := &proxy{t: t, target: target, addr: "127.0.0.1:0"}
	p.start()
	t.Cleanup(p.stop)
	return p
}

// start listens on the proxy's address (the same port again after stop).
func (p *proxy) start() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close() }()
			go func() { _, _ = io.Copy(c, up); c.Close() }()
		}
	}()
}

// stop closes the listener and every connection through it.
func (p *proxy) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}
