package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/limit"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

// sharedRedis returns n limiters over TENANTRY_TEST_REDIS with one key
// prefix and secret, as n replicas would have, on the caller's clock; their
// keys are deleted when the test ends. It skips the test when the variable
// is not set.
func sharedRedis(t *testing.T, n int) []*limit.Redis {
	t.Helper()
	url := os.Getenv("TENANTRY_TEST_REDIS")
	if url == "" {
		t.Skip("TENANTRY_TEST_REDIS is not set (e.g. redis://127.0.0.1:6379/15): skipping the test of limits shared in Redis")
	}
	prefix := "tenantry-test:" + rand.Text() + ":"
	opts := limit.RedisOptions{KeySecret: []byte(rand.Text()), Prefix: prefix, CallerClock: true}
	var rs []*limit.Redis
	for range n {
		r, err := limit.NewRedis(url, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Ping(context.Background()); err != nil {
			t.Fatalf("TENANTRY_TEST_REDIS does not answer: %v", err)
		}
		t.Cleanup(func() { r.Close() })
		rs = append(rs, r)
	}
	t.Cleanup(func() {
		o, _ := redis.ParseURL(url)
		c := redis.NewClient(o)
		defer c.Close()
		ctx := context.Background()
		for it := c.Scan(ctx, 0, prefix+"*", 1000).Iterator(); it.Next(ctx); {
			c.Del(ctx, it.Val())
		}
	})
	return rs
}

// replicas are handlers over one store, one per limiter (none: limits in
// each process), as replicas behind a load balancer would be.
func replicas(t *testing.T, store tenantry.Store, lim Limits, clock *fakeClock, shared []*limit.Redis, n int) []*limitsServer {
	t.Helper()
	var ls []*limitsServer
	for i := range n {
		l := lim
		if shared != nil {
			l.Redis = shared[i]
		}
		s := &limitsServer{t: t, store: store, logs: &strings.Builder{}}
		h, err := New(Config{Store: store, Secret: []byte(limitsSecret), Limits: &l, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		s.h = h
		ls = append(ls, s)
	}
	return ls
}

// wrongPasswordsUntil429 sends wrong passwords for email to the replicas in
// turn and returns how many were answered 401 before the first 429.
func wrongPasswordsUntil429(t *testing.T, rs []*limitsServer, email string) int {
	t.Helper()
	for i := range 100 {
		w := rs[i%len(rs)].token("198.51.100.7", email, "wrong-password")
		switch w.Code {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			if d := retryAfter(t, w); d > time.Minute {
				t.Fatalf("Retry-After %v after %d failures", d, i)
			}
			return i
		default:
			t.Fatalf("attempt %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	t.Fatal("100 wrong passwords, none refused")
	return 0
}

// TestSignInSharedAcrossReplicas spreads wrong passwords for one account
// over three replicas: with the limits in Redis they meet 429 after the
// account's budget, as on one server; each counting alone, after three
// times as many. The right password from another address waits the same
// Retry-After on every replica.
func TestSignInSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	shared := sharedRedis(t, 3)
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	lim := DefaultLimits()
	lim.IPPerMinute, lim.IPBurst = 60, 100 // the account's budget alone
	lim.AccountPerMinute, lim.AccountBurst, lim.FailureCost = 6, 6, 2
	store := sqlitetest.MustOpen(t)
	hash, _ := auth.HashPassword("right-password")
	if _, err := store.CreateUser(context.Background(), "victim@example.com", hash); err != nil {
		t.Fatal(err)
	}

	// Each failure takes 1 and is charged 1 more: 3 failures spend 6.
	if got := wrongPasswordsUntil429(t, replicas(t, store, lim, clock, shared, 3), "Victim@Example.com"); got != 3 {
		t.Fatalf("with Redis: %d failures before 429 over three replicas, want 3 (one budget)", got)
	}
	for _, r := range replicas(t, store, lim, clock, shared, 3) {
		retryAfter(t, r.token("203.0.113.9", "victim@example.com", "right-password"))
	}
	if got := wrongPasswordsUntil429(t, replicas(t, store, lim, clock, nil, 3), "victim@example.com"); got != 9 {
		t.Fatalf("without Redis: %d failures before 429 over three replicas, want 9 (three budgets)", got)
	}
	clock.Add(time.Minute)
	if w := replicas(t, store, lim, clock, shared, 1)[0].token("203.0.113.9", "victim@example.com", "right-password"); w.Code != http.StatusOK {
		t.Fatalf("the right password once the debt is paid: %d %s", w.Code, w.Body)
	}
}

// TestUserRateSharedAcrossReplicas: a user's requests spread over two
// replicas spend one rate.
func TestUserRateSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	shared := sharedRedis(t, 2)
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	store := sqlitetest.MustOpen(t)
	rs := replicas(t, store, Limits{UserPerSecond: 1, UserBurst: 3}, clock, shared, 2)
	hash, _ := auth.HashPassword("right-password")
	u, err := store.CreateUser(context.Background(), "a@example.com", hash)
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := auth.NewTokens([]byte(limitsSecret), DefaultIssuer, DefaultAudience, DefaultTokenTTL, clock.Now)
	tok, _, _ := tokens.Issue(u)
	var codes []int
	for i := range 4 {
		codes = append(codes, rs[i%2].do("192.0.2.9", "GET", "/api/"+u.ID.String()+"/tasks", "", "", tok).Code)
	}
	if codes[0] != 200 || codes[1] != 200 || codes[2] != 200 || codes[3] != http.StatusTooManyRequests {
		t.Fatalf("four requests over two replicas with a burst of 3: %v, want 200 200 200 429", codes)
	}
}

// TestRedisDownServesLocally runs a server whose Redis is a closed port:
// sign-ins are limited by the process alone, never a 500, /readyz is ready,
// and the metric counts the fallbacks. (How long a fallback takes is
// limit's TestRedisFallback.)
func TestRedisDownServesLocally(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	down, err := limit.NewRedis("redis://"+addr, limit.RedisOptions{KeySecret: []byte("k"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	reg := prometheus.NewRegistry()
	lim := Limits{IPPerMinute: 60, IPBurst: 2, FailureCost: 1, Redis: down}
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ls := newLimitsServer(t, lim, clock, func(c *Config) { c.Metrics = reg })
	var codes []int
	for range 3 {
		codes = append(codes, ls.token("192.0.2.1", "nobody@example.com", "guess").Code)
	}
	if codes[0] != 401 || codes[1] != 401 || codes[2] != 429 {
		t.Fatalf("three failures, burst 2, Redis down: %v, want 401 401 429", codes)
	}
	if got := counterValue(t, reg, "tenantry_rate_limit_backend_errors_total", ""); got < 3 {
		t.Fatalf("tenantry_rate_limit_backend_errors_total = %v, want at least 3 (each attempt's check and charge)", got)
	}
	if w := ls.do("192.0.2.1", "GET", "/readyz", "", "", ""); w.Code != http.StatusOK {
		t.Fatalf("/readyz with Redis down: %d, want 200 (the limits fall back)", w.Code)
	}
}
