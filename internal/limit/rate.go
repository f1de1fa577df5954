// Package limit holds Tenantry's request limits: a token bucket per key,
// counted in this process (Local: golang.org/x/time/rate in a bounded LRU
// map) or in Redis, shared by every replica (Redis: one GCRA script), behind
// one interface, Rate; and a bound on the requests in flight per key, always
// in this process (InFlight). Time is passed in, so tests run the buckets on
// a fake clock.
package limit

import (
	"context"
	"math"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// Rate is a token bucket per key: each key may spend a burst of tokens at
// once, and tokens come back at a steady rate. A *Local counts them in this
// process; a Rate from Redis.Rate counts them in Redis, one budget for every
// replica. A nil Rate is no limit. Rates are used through Take, TakeWhich,
// Queue and Charge, which pass a nil one; the checks of one Take are all
// Locals or all of one Redis.
type Rate interface {
	// take is TakeWhich of checks whose Rates are of this one's kind
	// (some may be nil).
	take(ctx context.Context, now time.Time, checks []Check) (time.Duration, int)
	// queue is Queue of a Rate that is on.
	queue(ctx context.Context, key string, maxWait time.Duration, now time.Time) (time.Duration, bool)
	// charge is Charge of a Rate that is on, with n of at least 1.
	charge(ctx context.Context, key string, n int, now time.Time)
}

// off reports whether r is no limit: nil, or a nil *Local.
func off(r Rate) bool {
	if r == nil {
		return true
	}
	l, ok := r.(*Local)
	return ok && l == nil
}

// New is the Rate a server gets for a limit named name: a bucket per key
// refilled at perSecond tokens a second and holding at most burst, counted
// in shared when it is set (every replica's one budget) and in this process
// otherwise. It returns nil, no limit, when perSecond or burst is 0 or less.
func New(name string, perSecond float64, burst int, shared *Redis) Rate {
	if perSecond <= 0 || burst <= 0 {
		return nil
	}
	if shared != nil {
		return shared.Rate(name, perSecond, burst)
	}
	return NewLocal(perSecond, burst, 0)
}

// NewLeased is New for a limit checked on every request (a user's rate):
// counted in shared, its tokens are taken from Redis in leases of burst/20
// and spent in this process (Redis.LeasedRate), so that a request seldom
// waits for Redis, and the budget is exact to within burst/20 tokens per
// replica.
func NewLeased(name string, perSecond float64, burst int, shared *Redis) Rate {
	if perSecond <= 0 || burst <= 0 {
		return nil
	}
	if shared != nil {
		return shared.LeasedRate(name, perSecond, burst)
	}
	return NewLocal(perSecond, burst, 0)
}

// Take spends the cost of every check at now if every bucket holds it, and
// returns 0; otherwise it spends nothing and returns how long until all of
// them will.
func Take(ctx context.Context, now time.Time, checks ...Check) time.Duration {
	d, _ := TakeWhich(ctx, now, checks...)
	return d
}

// TakeWhich is Take, also returning the index of the check that must be
// waited for longest (-1 when none must).
func TakeWhich(ctx context.Context, now time.Time, checks ...Check) (time.Duration, int) {
	for _, c := range checks {
		if !off(c.Rate) {
			return c.Rate.take(ctx, now, checks)
		}
	}
	return 0, -1
}

// Queue takes one token of key's bucket at now, or reserves the next one
// if it comes within maxWait: it returns how long the caller must wait
// before going on (0 for at once) and true. When the wait would be longer
// it spends nothing and returns the wait and false. A client that sends
// faster than the rate is slowed to it rather than refused, as long as its
// queue stays within maxWait; past that, it is refused, so the waiting
// requests of one key never exceed maxWait × rate.
func Queue(ctx context.Context, r Rate, key string, maxWait time.Duration, now time.Time) (time.Duration, bool) {
	if off(r) {
		return 0, true
	}
	return r.queue(ctx, key, maxWait, now)
}

// Charge spends n more tokens of key's bucket at now even if it runs into
// debt: a failed sign-in costs more than the one token its attempt took,
// and the debt is paid back by waiting. The debt never goes deeper than n
// (nor than the burst), however many charges arrive together (requests
// admitted at once that all fail), so it is always paid back within
// (n+1)/rate: a key is throttled for a while, never locked out. A charge is
// made even when ctx has ended: a client that hangs up after a failed
// attempt still pays for it.
func Charge(ctx context.Context, r Rate, key string, n int, now time.Time) {
	if off(r) || n <= 0 {
		return
	}
	r.charge(ctx, key, n, now)
}

// Check is one bucket a request must pass: Cost tokens of Key's bucket in
// Rate. A nil Rate always passes.
type Check struct {
	Rate Rate
	Key  string
	Cost int
}

// RetryAfter is a delay as the Retry-After header gives it: whole seconds,
// rounded up, at least 1.
func RetryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// DefaultKeys is how many keys a limit remembers. Past it, the key used
// least recently is forgotten: an idle key's bucket has refilled anyway, so
// forgetting it changes nothing, and memory stays bounded however many
// addresses or accounts a flood names.
const DefaultKeys = 1 << 16

// Local is a Rate counted in this process's memory.
type Local struct {
	limit rate.Limit
	burst int
	keys  *lru.Cache[string, *rate.Limiter]
	// charging serializes Charge (failures only: rare next to Take).
	charging sync.Mutex
}

// NewLocal returns a bucket per key refilled at perSecond tokens a second
// and holding at most burst, remembering at most keys keys (DefaultKeys when
// 0). It returns nil, a limit that allows everything, when perSecond or
// burst is 0 or less.
func NewLocal(perSecond float64, burst, keys int) *Local {
	if perSecond <= 0 || burst <= 0 {
		return nil
	}
	if keys <= 0 {
		keys = DefaultKeys
	}
	c, err := lru.New[string, *rate.Limiter](keys)
	if err != nil {
		panic(err) // only for a size of 0 or less, excluded above
	}
	return &Local{limit: rate.Limit(perSecond), burst: burst, keys: c}
}

// bucket is key's limiter, made full on first use.
func (r *Local) bucket(key string) *rate.Limiter {
	if l, ok := r.keys.Get(key); ok {
		return l
	}
	l := rate.NewLimiter(r.limit, r.burst)
	if prev, ok, _ := r.keys.PeekOrAdd(key, l); ok {
		return prev
	}
	return l
}

// take is TakeWhich of Locals.
//
// A refusal spends nothing: the levels are read first, and tokens are
// taken (rate.Limiter.AllowN, which never goes into debt) only when every
// bucket holds them. Reserving and cancelling would not do: a cancelled
// reservation gives back nothing once a later one was made, so a flood of
// refused requests would drive a bucket ever deeper into debt.
func (*Local) take(_ context.Context, now time.Time, checks []Check) (time.Duration, int) {
	var (
		wait  time.Duration
		which = -1
	)
	for i, c := range checks {
		if off(c.Rate) {
			continue
		}
		r := c.Rate.(*Local)
		if d := r.shortfall(r.bucket(c.Key), r.cost(c.Cost), now); d > wait {
			wait, which = d, i
		}
	}
	if wait > 0 {
		return wait, which
	}
	for i, c := range checks {
		if off(c.Rate) {
			continue
		}
		r := c.Rate.(*Local)
		l, n := r.bucket(c.Key), r.cost(c.Cost)
		if !l.AllowN(now, n) {
			// Another request took the tokens since they were read. The
			// buckets before this one have paid for a request refused
			// after all; rare, and never more than one request's worth.
			return max(r.shortfall(l, n, now), time.Nanosecond), i
		}
	}
	return 0, -1
}

// cost is a check's cost between 1 and the burst.
func (r *Local) cost(n int) int { return min(max(n, 1), r.burst) }

// shortfall is how long until l holds n tokens at the rate, 0 if it does.
func (r *Local) shortfall(l *rate.Limiter, n int, now time.Time) time.Duration {
	missing := float64(n) - l.TokensAt(now)
	if missing <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(missing / float64(r.limit) * float64(time.Second)))
}

func (r *Local) queue(_ context.Context, key string, maxWait time.Duration, now time.Time) (time.Duration, bool) {
	l := r.bucket(key)
	if l.AllowN(now, 1) {
		return 0, true
	}
	if d := r.shortfall(l, 1, now); d > maxWait {
		return d, false
	}
	return l.ReserveN(now, 1).DelayFrom(now), true
}

func (r *Local) charge(_ context.Context, key string, n int, now time.Time) {
	l := r.bucket(key)
	// Reading the level and spending are one step, so that charges
	// arriving together cannot each see the same level.
	r.charging.Lock()
	defer r.charging.Unlock()
	take := min(float64(n), l.TokensAt(now)+float64(n))
	if take >= 1 {
		l.ReserveN(now, min(int(take), r.burst))
	}
}
