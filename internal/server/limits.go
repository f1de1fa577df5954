package server

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/limit"
)

// Limits bounds what one client address, account, user or tenant may ask
// of the server, so that no client can knock it over. A zero rate, burst
// or bound turns its limit off, and a zero wait refuses at once; the zero
// Limits turns every limit off. Config.Limits nil means DefaultLimits.
type Limits struct {
	// IPPerMinute and IPBurst bound sign-ups, /auth/token and
	// /auth/login per client address (an IPv6 /64 counts as one):
	// IPBurst attempts at once, then IPPerMinute a minute.
	IPPerMinute float64
	IPBurst     int
	// AccountPerMinute and AccountBurst bound the same per account (the
	// email, lower-cased as the store keeps it), whatever the address.
	AccountPerMinute float64
	AccountBurst     int
	// FailureCost is what a failed sign-in (unknown email, wrong
	// password) costs in both buckets, and a sign-up with an email in use
	// in the address's; a success costs 1. A throttled account is
	// never locked: the debt is paid back by waiting, at most
	// FailureCost/PerMinute minutes.
	FailureCost int
	// UserPerSecond and UserBurst bound each signed-in user's requests.
	// A user past them is slowed to the rate, each request waiting for its
	// turn, while the wait stays within UserWait; past that, 429.
	UserPerSecond float64
	UserBurst     int
	UserWait      time.Duration
	// TenantInFlight bounds the requests in flight per tenant (the
	// personal user id, or the organization id in the path); past it a
	// request waits up to TenantWait for a slot, then gets 429.
	TenantInFlight int
	TenantWait     time.Duration
	// HashConcurrency bounds the argon2id computations at once (each
	// takes 19 MiB); past it a sign-in waits up to HashWait, then gets
	// 429.
	HashConcurrency int
	HashWait        time.Duration
	// TrustedProxies are the proxies whose X-Forwarded-For names the
	// client. Empty: the header is never read, the client is the peer.
	TrustedProxies []netip.Prefix
	// Redis, when set, counts the request rates (sign-in per address and
	// per account, each user's rate) in Redis, so that every replica
	// spends from one budget: sign-ins exactly, a user's rate in leases of
	// UserBurst/20 tokens per replica (limit.NewLeased), so that a request
	// seldom waits for Redis. Requests in flight per tenant and password
	// computations stay bounded per process: they bound this process's
	// own goroutines and memory.
	Redis *limit.Redis
}

// DefaultLimits are the limits a server gets unless told otherwise: loose
// enough that people behind one address, scripts and the benchmark's load
// (100 users at 20,000 requests a second in all) never meet them, tight
// enough that guessing passwords is slow and no one client or tenant takes
// the machine.
func DefaultLimits() Limits {
	return Limits{
		IPPerMinute:      60,
		IPBurst:          30,
		AccountPerMinute: 10,
		AccountBurst:     10,
		FailureCost:      5,
		UserPerSecond:    500,
		UserBurst:        1000,
		UserWait:         500 * time.Millisecond,
		TenantInFlight:   16,
		TenantWait:       500 * time.Millisecond,
		HashConcurrency:  runtime.GOMAXPROCS(0),
		HashWait:         2 * time.Second,
	}
}

// limits is Limits made ready for use; a nil member is a limit turned off.
type limits struct {
	ip, account limit.Rate
	failureCost int
	user        limit.Rate
	userWait    time.Duration
	tenants     *limit.InFlight
	hashing     *auth.Hashing
	trusted     []netip.Prefix
	redis       *limit.Redis
	// logged lets one throttling event per key and minute into this
	// process's log.
	logged *limit.Local
	// timer ends waits (time.NewTimer; a fake one in tests).
	timer func(time.Duration) (<-chan time.Time, func() bool)
}

func newLimits(l Limits) *limits {
	return &limits{
		ip:          limit.New(limitIP, l.IPPerMinute/60, l.IPBurst, l.Redis),
		account:     limit.New(limitAccount, l.AccountPerMinute/60, l.AccountBurst, l.Redis),
		failureCost: max(l.FailureCost, 1),
		user:        limit.NewLeased(limitUser, l.UserPerSecond, l.UserBurst, l.Redis),
		userWait:    l.UserWait,
		tenants:     limit.NewInFlight(l.TenantInFlight, l.TenantWait),
		hashing:     auth.NewHashing(l.HashConcurrency, l.HashWait),
		trusted:     l.TrustedProxies,
		redis:       l.Redis,
		logged:      limit.NewLocal(1.0/60, 1, 0),
		timer: func(d time.Duration) (<-chan time.Time, func() bool) {
			t := time.NewTimer(d)
			return t.C, t.Stop
		},
	}
}

// sleep waits d, or less if ctx ends first; it reports whether d passed.
func (l *limits) sleep(ctx context.Context, d time.Duration) bool {
	fired, stop := l.timer(d)
	defer stop()
	select {
	case <-fired:
		return true
	case <-ctx.Done():
		return false
	}
}

// Names of the limits, in metrics and security events.
const (
	limitIP      = "signin_ip"
	limitAccount = "signin_account"
	limitHash    = "password_hashing"
	limitUser    = "user_rate"
	limitTenant  = "tenant_in_flight"
)

const (
	msgTooManySignIns = "Too many attempts; retry after the time in Retry-After"
	msgTooManyHashes  = "Too many sign-ins at once; retry shortly"
	msgTooManyCalls   = "Too many requests; retry after the time in Retry-After"
	msgTenantBusy     = "Too many requests in flight for this tenant; retry shortly"
)

// accountKey is an email as the store keeps it.
func accountKey(email string) string { return strings.ToLower(email) }

// clientKey is the limit key of the request's client address.
func clientKey(ctx context.Context) string {
	ri, _ := requestInfo(ctx)
	return ipKey(ri.client)
}

// admitSignIn spends one attempt of the client address's and the
// account's buckets before any password work, or answers 429.
func (s *server) admitSignIn(ctx context.Context, email string) error {
	ip, acct := clientKey(ctx), accountKey(email)
	wait, which := limit.TakeWhich(ctx, s.now(),
		limit.Check{Rate: s.lim.ip, Key: ip, Cost: 1},
		limit.Check{Rate: s.lim.account, Key: acct, Cost: 1})
	if wait == 0 {
		return nil
	}
	name, key := limitIP, ip
	if which == 1 {
		name, key = limitAccount, acct
	}
	s.metrics.limited(name)
	s.throttled(ctx, name, key, slog.String("account", acct), slog.Int("retry_after_s", limit.RetryAfter(wait)))
	return tooMany(wait, msgTooManySignIns)
}

// signInFailed charges a failed attempt the rest of its cost, to the
// client address and the account.
func (s *server) signInFailed(ctx context.Context, email string) {
	s.addressFailed(ctx)
	limit.Charge(ctx, s.lim.account, accountKey(email), s.lim.failureCost-1, s.now())
}

// addressFailed charges a failure the rest of its cost, to the client
// address only.
func (s *server) addressFailed(ctx context.Context) {
	limit.Charge(ctx, s.lim.ip, clientKey(ctx), s.lim.failureCost-1, s.now())
}

// throttled logs a security event for a refusal by limit name of key,
// once per key and minute: a flood makes one line, not one per request.
func (s *server) throttled(ctx context.Context, name, key string, attrs ...slog.Attr) {
	if limit.Take(ctx, s.now(), limit.Check{Rate: s.lim.logged, Key: name + " " + key, Cost: 1}) != 0 {
		return
	}
	ri, _ := requestInfo(ctx)
	s.security(ctx, "rate_limited", append([]slog.Attr{slog.String("limit", name), slog.String("client_ip", ri.client.String())}, attrs...)...)
}

// hashFailed answers a password computation that did not get a slot: 429,
// retry in a moment. Other errors are returned as they are.
func (s *server) hashFailed(ctx context.Context, err error) error {
	if errors.Is(err, auth.ErrHashBusy) {
		s.metrics.limited(limitHash)
		s.throttled(ctx, limitHash, "")
		return tooMany(time.Second, msgTooManyHashes)
	}
	return err
}

// limitCalls bounds authenticated requests: each user's rate, and each
// tenant's requests in flight. It runs after authenticate, so the caller
// is known, and before the body is read. A user over the rate waits for
// its turn before taking a tenant slot, so one member's queue never holds
// the slots of the organization's other members.
func (s *server) limitCalls(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		c := tenantry.CallerFromContext(ctx.Context())
		if c == nil {
			next(ctx)
			return
		}
		user := c.UserID.String()
		wait, ok := limit.Queue(ctx.Context(), s.lim.user, user, s.lim.userWait, s.now())
		if !ok {
			s.metrics.limited(limitUser)
			s.writeProblem(api, ctx, tooMany(wait, msgTooManyCalls))
			return
		}
		if wait > 0 && !s.lim.sleep(ctx.Context(), wait) {
			return // the client has gone
		}
		tenant := user
		if strings.Contains(ctx.Operation().Path, "{org_id}") {
			// Checked before the membership: every path that is not a
			// UUID shares one key, and is answered 404 once admitted.
			tenant = "org " + targetID(ctx.Param("org_id"))
		}
		release, err := s.lim.tenants.Acquire(ctx.Context(), tenant)
		if err != nil {
			if errors.Is(err, limit.ErrBusy) {
				s.metrics.limited(limitTenant)
				s.writeProblem(api, ctx, tooMany(time.Second, msgTenantBusy))
			}
			// Otherwise the client has gone: nothing to answer.
			return
		}
		defer release()
		next(ctx)
	}
}

// requestClient is the client address of a huma request.
func (s *server) requestClient(ctx huma.Context) netip.Addr {
	r, _ := humago.Unwrap(ctx)
	return clientIP(r, s.lim.trusted)
}
