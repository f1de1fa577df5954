package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

const limitsSecret = "limits-test-secret-0123456789abcdef"

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// limitsServer is a handler over a fresh SQLite store with lim, on clock,
// logging into logs.
type limitsServer struct {
	t     *testing.T
	h     http.Handler
	store tenantry.Store
	logs  *strings.Builder
	mu    *sync.Mutex
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *strings.Builder
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func newLimitsServer(t *testing.T, lim Limits, clock *fakeClock, change func(*Config)) *limitsServer {
	t.Helper()
	db := sqlitetest.MustOpen(t)
	ls := &limitsServer{t: t, store: db, logs: &strings.Builder{}, mu: &sync.Mutex{}}
	cfg := Config{Store: db, Secret: []byte(limitsSecret), Limits: &lim,
		Logger: slog.New(slog.NewJSONHandler(lockedWriter{ls.mu, ls.logs}, nil))}
	if clock != nil {
		cfg.Now = clock.Now
	}
	if change != nil {
		change(&cfg)
	}
	var err error
	if ls.h, err = New(cfg); err != nil {
		t.Fatal(err)
	}
	return ls
}

// do sends a request from address ip and returns the recorded answer.
func (ls *limitsServer) do(ip, method, path, ctype, body, token string) *httptest.ResponseRecorder {
	ls.t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = ip + ":40000"
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	ls.h.ServeHTTP(w, r)
	return w
}

func (ls *limitsServer) token(ip, email, pw string) *httptest.ResponseRecorder {
	ls.t.Helper()
	return ls.do(ip, "POST", "/auth/token", "application/x-www-form-urlencoded",
		url.Values{"username": {email}, "password": {pw}}.Encode(), "")
}

func (ls *limitsServer) register(ip, email, pw string) {
	ls.t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": pw})
	if w := ls.do(ip, "POST", "/auth/register", "application/json", string(body), ""); w.Code != http.StatusCreated {
		ls.t.Fatalf("register %s: %d %s", email, w.Code, w.Body)
	}
}

func (ls *limitsServer) logCount(substr string) int {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return strings.Count(ls.logs.String(), substr)
}

// retryAfter checks that w is a 429 problem with a Retry-After in whole
// seconds, and returns it.
func retryAfter(t *testing.T, w *httptest.ResponseRecorder) time.Duration {
	t.Helper()
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q", ct)
	}
	n, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("Retry-After %q, want whole seconds", w.Header().Get("Retry-After"))
	}
	return time.Duration(n) * time.Second
}

// TestSignInThrottled is a wrong-password burst against one account: it is
// refused 429 with Retry-After, the right password too while it lasts;
// another account, from the same and from another address, is served; once
// the fake clock has passed Retry-After, the right password signs in. The
// refusals are logged once, without the password.
func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	lim := DefaultLimits()
	lim.IPPerMinute, lim.IPBurst = 60, 20
	lim.AccountPerMinute, lim.AccountBurst, lim.FailureCost = 6, 3, 3
	ls := newLimitsServer(t, lim, clock, nil)
	const attacker, other = "198.51.100.7", "203.0.113.9"
	ls.register("192.0.2.1", "victim@example.com", "right-password")
	ls.register("192.0.2.2", "bystander@example.com", "right-password")

	var refused *httptest.ResponseRecorder
	for i := range 10 {
		w := ls.token(attacker, "Victim@Example.com", "wrong-password-"+strconv.Itoa(i))
		if w.Code == http.StatusTooManyRequests {
			refused = w
			break
		}
		if w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d %s", i, w.Code, w.Body)
		}
	}
	if refused == nil {
		t.Fatal("ten wrong passwords in a row, none refused 429")
	}
	wait := retryAfter(t, refused)
	if strings.Contains(refused.Body.String(), "wrong-password") {
		t.Fatalf("the answer echoes the password: %s", refused.Body)
	}
	for range 3 {
		retryAfter(t, ls.token(attacker, "victim@example.com", "wrong-password-again"))
	}
	retryAfter(t, ls.token(other, "victim@example.com", "right-password")) // the account is throttled, from anywhere

	if w := ls.token(other, "bystander@example.com", "right-password"); w.Code != http.StatusOK {
		t.Fatalf("another account from another address: %d %s", w.Code, w.Body)
	}
	if w := ls.token(attacker, "bystander@example.com", "right-password"); w.Code != http.StatusOK {
		t.Fatalf("another account from the attacker's address: %d %s", w.Code, w.Body)
	}

	clock.Add(wait)
	if w := ls.token(other, "victim@example.com", "right-password"); w.Code != http.StatusOK {
		t.Fatalf("the right password after Retry-After: %d %s", w.Code, w.Body)
	}
	if got := ls.logCount(`"event":"rate_limited"`); got != 1 {
		t.Fatalf("%d rate_limited events for five refusals of one key, want 1\n%s", got, ls.logs)
	}
	if ls.logCount("wrong-password") != 0 || ls.logCount("right-password") != 0 {
		t.Fatalf("a password in the log:\n%s", ls.logs)
	}
	if ls.logCount(`"account":"victim@example.com"`) != 1 || ls.logCount(`"client_ip":"`+attacker+`"`) != 1 {
		t.Fatalf("the event does not name the account and the address:\n%s", ls.logs)
	}
}

// TestSignInThrottledPerAddress sprays unknown emails from one address:
// the address is refused, another address is not.
func TestSignInThrottledPerAddress(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	lim := DefaultLimits()
	lim.IPPerMinute, lim.IPBurst, lim.FailureCost = 60, 10, 5
	ls := newLimitsServer(t, lim, clock, nil)
	ls.register("192.0.2.1", "user@example.com", "right-password")
	got := 0
	for i := range 5 {
		w := ls.token("198.51.100.7", "nobody"+strconv.Itoa(i)+"@example.com", "guess")
		if w.Code == http.StatusTooManyRequests {
			got++
			retryAfter(t, w)
		}
	}
	if got == 0 {
		t.Fatal("five failures from one address with a burst of 10 at cost 5: none refused")
	}
	if w := ls.token("203.0.113.9", "user@example.com", "right-password"); w.Code != http.StatusOK {
		t.Fatalf("another address: %d %s", w.Code, w.Body)
	}
}

// TestLimitsOff is the zero Limits: a long wrong-password burst is never
// throttled.
func TestLimitsOff(t *testing.T) {
	t.Parallel()
	ls := newLimitsServer(t, Limits{}, nil, nil)
	for i := range 12 {
		if w := ls.token("198.51.100.7", "nobody@example.com", "guess"); w.Code != http.StatusUnauthorized {
			t.Fatalf("attempt %d with limits off: %d %s", i, w.Code, w.Body)
		}
	}
}

// TestHashingBoundedLogins starts many logins at once and counts, from
// inside each argon2id computation, how many run together: never more than
// HashConcurrency.
func TestHashingBoundedLogins(t *testing.T) {
	t.Parallel()
	const bound, logins = 2, 12
	var most, calls atomic.Int64
	lim := Limits{HashConcurrency: bound, HashWait: time.Hour}
	ls := newLimitsServer(t, lim, nil, func(c *Config) {
		c.hashObserver = func(running int) {
			calls.Add(1)
			for m := most.Load(); int64(running) > m && !most.CompareAndSwap(m, int64(running)); m = most.Load() {
			}
		}
	})
	ls.register("192.0.2.1", "user@example.com", "right-password")
	var wg sync.WaitGroup
	codes := make(chan int, logins)
	for i := range logins {
		wg.Go(func() {
			email := "user@example.com"
			if i%2 == 0 {
				email = "nobody@example.com" // the dummy hash is bounded too
			}
			codes <- ls.token("198.51.100.7", email, "wrong").Code
		})
	}
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusUnauthorized {
			t.Fatalf("a waiting login: %d, want 401", c)
		}
	}
	if got := most.Load(); got > bound {
		t.Fatalf("%d argon2id computations at once, want at most %d", got, bound)
	}
	if got := calls.Load(); got != logins+1 {
		t.Fatalf("%d computations, want %d", got, logins+1)
	}
}

// TestHashingBusy holds the only hashing slot: a login that may not wait
// is answered 429 with Retry-After, not 5xx, and computes nothing.
func TestHashingBusy(t *testing.T) {
	t.Parallel()
	entered, gate := make(chan struct{}), make(chan struct{})
	var calls atomic.Int64
	var armed atomic.Bool
	ls := newLimitsServer(t, Limits{HashConcurrency: 1}, nil, func(c *Config) {
		c.hashObserver = func(int) {
			calls.Add(1)
			if armed.CompareAndSwap(true, false) {
				close(entered)
				<-gate
			}
		}
	})
	ls.register("192.0.2.1", "user@example.com", "right-password")
	armed.Store(true)
	done := make(chan int)
	go func() { done <- ls.token("192.0.2.1", "user@example.com", "right-password").Code }()
	<-entered
	before := calls.Load()
	retryAfter(t, ls.token("198.51.100.7", "user@example.com", "wrong"))
	if calls.Load() != before {
		t.Fatal("the refused login computed a hash")
	}
	close(gate)
	if c := <-done; c != http.StatusOK {
		t.Fatalf("the login holding the slot: %d", c)
	}
}

// blockingStore holds every View of one tenant until released, counting
// those in progress.
type blockingStore struct {
	tenantry.Store
	tenant  uuid.UUID
	entered chan struct{}
	gate    chan struct{}
}

func (b blockingStore) View(ctx context.Context, user, tenant uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	if tenant == b.tenant {
		b.entered <- struct{}{}
		<-b.gate
	}
	return b.Store.View(ctx, user, tenant, fn)
}

// TestTenantInFlight fills tenant A's slots with reads held in the store:
// A's next request waits, and when its wait ends (a fake timer) gets 429
// with Retry-After; tenant B is served meanwhile; once A's reads finish, A
// is served again.
func TestTenantInFlight(t *testing.T) {
	t.Parallel()
	db := sqlitetest.MustOpen(t)
	hash, err := auth.HashPassword("right-password")
	if err != nil {
		t.Fatal(err)
	}
	ua, err := db.CreateUser(context.Background(), "a@example.com", hash)
	if err != nil {
		t.Fatal(err)
	}
	ub, err := db.CreateUser(context.Background(), "b@example.com", hash)
	if err != nil {
		t.Fatal(err)
	}
	bs := blockingStore{Store: db, tenant: ua.ID, entered: make(chan struct{}, 8), gate: make(chan struct{})}
	waits := make(chan time.Duration, 8)
	fire := make(chan time.Time)
	lim := Limits{TenantInFlight: 2, TenantWait: 300 * time.Millisecond}
	h, err := New(Config{Store: bs, Secret: []byte(limitsSecret), Limits: &lim,
		timer: func(d time.Duration) (<-chan time.Time, func() bool) {
			waits <- d
			return fire, func() bool { return true }
		}})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := auth.NewTokens([]byte(limitsSecret), DefaultIssuer, DefaultAudience, DefaultTokenTTL, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	tokA, _, _ := tokens.Issue(ua)
	tokB, _, _ := tokens.Issue(ub)
	list := func(u tenantry.User, tok string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/api/"+u.ID.String()+"/tasks", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	held := make(chan int, 2)
	for range 2 {
		go func() { held <- list(ua, tokA).Code }()
	}
	<-bs.entered
	<-bs.entered
	excess := make(chan *httptest.ResponseRecorder)
	go func() { excess <- list(ua, tokA) }()
	if d := <-waits; d != lim.TenantWait {
		t.Fatalf("A's excess waits %v, want %v", d, lim.TenantWait)
	}
	if w := list(ub, tokB); w.Code != http.StatusOK {
		t.Fatalf("tenant B while A is full: %d %s", w.Code, w.Body)
	}
	fire <- time.Time{}
	retryAfter(t, <-excess)
	close(bs.gate)
	for range 2 {
		if c := <-held; c != http.StatusOK {
			t.Fatalf("a held read of A: %d", c)
		}
	}
	if w := list(ua, tokA); w.Code != http.StatusOK {
		t.Fatalf("A after its reads finished: %d %s", w.Code, w.Body)
	}
}

// TestUserRate spends one user's burst: the next request is 429 with
// Retry-After, another user is served, and after the fake clock moves
// the first user is served again.
func TestUserRate(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Now()}
	lim := Limits{UserPerSecond: 1, UserBurst: 3} // no UserWait: refused at once
	ls := newLimitsServer(t, lim, clock, nil)
	hash, _ := auth.HashPassword("right-password")
	ua, _ := ls.store.CreateUser(context.Background(), "a@example.com", hash)
	ub, _ := ls.store.CreateUser(context.Background(), "b@example.com", hash)
	tokens, err := auth.NewTokens([]byte(limitsSecret), DefaultIssuer, DefaultAudience, DefaultTokenTTL, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	tokA, _, _ := tokens.Issue(ua)
	tokB, _, _ := tokens.Issue(ub)
	me := func(tok string) *httptest.ResponseRecorder { return ls.do("192.0.2.1", "GET", "/auth/me", "", "", tok) }
	for i := range 3 {
		if w := me(tokA); w.Code != http.StatusOK {
			t.Fatalf("request %d of the burst: %d %s", i+1, w.Code, w.Body)
		}
	}
	if got := retryAfter(t, me(tokA)); got != time.Second {
		t.Fatalf("Retry-After %v, want 1s", got)
	}
	if w := me(tokB); w.Code != http.StatusOK {
		t.Fatalf("another user: %d", w.Code)
	}
	clock.Add(time.Second)
	if w := me(tokA); w.Code != http.StatusOK {
		t.Fatalf("after Retry-After: %d", w.Code)
	}
}

// TestAbuseMetrics checks the counters of refusals: a failed login, a
// throttled one, and a personal path naming someone else.
func TestAbuseMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	lim := Limits{IPPerMinute: 1, IPBurst: 1, FailureCost: 1}
	clock := &fakeClock{now: time.Now()}
	ls := newLimitsServer(t, lim, clock, func(c *Config) { c.Metrics = reg })
	if w := ls.token("192.0.2.1", "nobody@example.com", "guess"); w.Code != http.StatusUnauthorized {
		t.Fatalf("%d", w.Code)
	}
	retryAfter(t, ls.token("192.0.2.1", "nobody@example.com", "guess"))
	hash, _ := auth.HashPassword("right-password")
	u, _ := ls.store.CreateUser(context.Background(), "a@example.com", hash)
	tokens, _ := auth.NewTokens([]byte(limitsSecret), DefaultIssuer, DefaultAudience, DefaultTokenTTL, clock.Now)
	tok, _, _ := tokens.Issue(u)
	if w := ls.do("192.0.2.9", "GET", "/api/"+uuid.NewString()+"/tasks", "", "", tok); w.Code != http.StatusForbidden {
		t.Fatalf("someone else's path: %d", w.Code)
	}
	if w := ls.do("192.0.2.9", "GET", "/api/orgs/"+uuid.NewString(), "", "", tok); w.Code != http.StatusNotFound {
		t.Fatalf("someone else's org: %d", w.Code)
	}
	for _, c := range []struct {
		name, labels string
		want         float64
	}{
		{"tenantry_login_failures_total", "", 1},
		{"tenantry_rate_limited_requests_total", "signin_ip", 1},
		{"tenantry_cross_tenant_denials_total", "path_mismatch", 1},
		{"tenantry_cross_tenant_denials_total", "org_not_member", 1},
	} {
		if got := counterValue(t, reg, c.name, c.labels); got != c.want {
			t.Errorf("%s{%s} = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

// counterValue reads a counter from reg; label is the value of its one
// label, or "" for none.
func counterValue(t *testing.T, reg *prometheus.Registry, name, label string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label == "" || len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == label {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// TestUserRateQueue: a user past its burst waits its turn (a fake timer
// of the time to the next token) and is served; once the queue would
// exceed UserWait, it is refused 429 at once.
func TestUserRateQueue(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Now()}
	waits := make(chan time.Duration, 4)
	fire := make(chan time.Time)
	lim := Limits{UserPerSecond: 1, UserBurst: 1, UserWait: 1500 * time.Millisecond}
	ls := newLimitsServer(t, lim, clock, func(c *Config) {
		c.timer = func(d time.Duration) (<-chan time.Time, func() bool) {
			waits <- d
			return fire, func() bool { return true }
		}
	})
	hash, _ := auth.HashPassword("right-password")
	u, _ := ls.store.CreateUser(context.Background(), "a@example.com", hash)
	tokens, _ := auth.NewTokens([]byte(limitsSecret), DefaultIssuer, DefaultAudience, DefaultTokenTTL, clock.Now)
	tok, _, _ := tokens.Issue(u)
	me := func() *httptest.ResponseRecorder { return ls.do("192.0.2.1", "GET", "/auth/me", "", "", tok) }
	if w := me(); w.Code != http.StatusOK {
		t.Fatalf("the burst: %d", w.Code)
	}
	queued := make(chan int)
	go func() { queued <- me().Code }()
	if d := <-waits; d != time.Second {
		t.Fatalf("the second request waits %v, want 1s", d)
	}
	// A third would wait 2 s, past UserWait: refused, without waiting.
	if got := retryAfter(t, me()); got != 2*time.Second {
		t.Fatalf("Retry-After %v, want 2s", got)
	}
	fire <- time.Time{}
	if c := <-queued; c != http.StatusOK {
		t.Fatalf("the queued request: %d", c)
	}
}

// TestThrottleLoggedOncePerWindow: refusals of one key make one security
// event a minute, and a new one once the minute has passed.
func TestThrottleLoggedOncePerWindow(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ls := newLimitsServer(t, Limits{IPPerMinute: 1, IPBurst: 1, FailureCost: 1}, clock, nil)
	const event = `"event":"rate_limited"`
	for round, want := range []int{1, 2} {
		if w := ls.token("198.51.100.7", "nobody@example.com", "guess"); w.Code != http.StatusUnauthorized {
			t.Fatalf("round %d: first attempt %d", round, w.Code)
		}
		for range 5 {
			retryAfter(t, ls.token("198.51.100.7", "nobody@example.com", "guess"))
		}
		if got := ls.logCount(event); got != want {
			t.Fatalf("round %d: %d events, want %d\n%s", round, got, want, ls.logs)
		}
		clock.Add(61 * time.Second)
	}
}

// TestOrgInFlight: an organization is one tenant whoever calls. With one
// member's reads of the organization held in the store, another member's
// read of it waits and gets 429, while that member's personal tasks are
// served.
func TestOrgInFlight(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := sqlitetest.MustOpen(t)
	hash, err := auth.HashPassword("right-password")
	if err != nil {
		t.Fatal(err)
	}
	owner, _ := db.CreateUser(ctx, "owner@example.com", hash)
	member, _ := db.CreateUser(ctx, "member@example.com", hash)
	org, err := db.CreateOrg(ctx, owner.ID, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, owner.ID, org.Org.ID, func(tx tenantry.TenantAccess) error {
		_, err := tx.AddMember(ctx, member.ID, tenantry.RoleMember)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	bs := blockingStore{Store: db, tenant: org.Org.ID, entered: make(chan struct{}, 8), gate: make(chan struct{})}
	fire := make(chan time.Time)
	lim := Limits{TenantInFlight: 1, TenantWait: time.Second}
	h, err := New(Config{Store: bs, Secret: []byte(limitsSecret), Limits: &lim,
		timer: func(time.Duration) (<-chan time.Time, func() bool) { return fire, func() bool { return true } }})
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := auth.NewTokens([]byte(limitsSecret), DefaultIssuer, DefaultAudience, DefaultTokenTTL, time.Now)
	tokOwner, _, _ := tokens.Issue(owner)
	tokMember, _, _ := tokens.Issue(member)
	get := func(path, tok string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	orgTasks := "/api/orgs/" + org.Org.ID.String() + "/tasks"
	held := make(chan int)
	go func() { held <- get(orgTasks, tokOwner).Code }()
	<-bs.entered
	excess := make(chan *httptest.ResponseRecorder)
	go func() { excess <- get(orgTasks, tokMember) }()
	if w := get("/api/"+member.ID.String()+"/tasks", tokMember); w.Code != http.StatusOK {
		t.Fatalf("the member's personal tasks: %d %s", w.Code, w.Body)
	}
	fire <- time.Time{}
	retryAfter(t, <-excess)
	close(bs.gate)
	if c := <-held; c != http.StatusOK {
		t.Fatalf("the owner's held read: %d", c)
	}
}
