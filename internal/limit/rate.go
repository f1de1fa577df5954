// Package limit holds Tenantry's request limits: a token bucket per key
// (golang.org/x/time/rate) kept in a bounded LRU map, and a bound on the
// requests in flight per key. Time is always passed in, so tests run the
// buckets on a fake clock.
package limit

import (
	"math"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"
)

// DefaultKeys is how many keys a limit remembers. Past it, the key used
// least recently is forgotten: an idle key's bucket has refilled anyway, so
// forgetting it changes nothing, and memory stays bounded however many
// addresses or accounts a flood names.
const DefaultKeys = 1 << 16

// Rate is a token bucket per key: each key may spend Burst tokens at once,
// and tokens come back at the given rate.
type Rate struct {
	limit rate.Limit
	burst int
	keys  *lru.Cache[string, *rate.Limiter]
}

// NewRate returns a bucket per key refilled at perSecond tokens a second and
// holding at most burst, remembering at most keys keys (DefaultKeys when 0).
// It returns nil, a limit that allows everything, when perSecond or burst
// is 0 or less.
func NewRate(perSecond float64, burst, keys int) *Rate {
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
	return &Rate{limit: rate.Limit(perSecond), burst: burst, keys: c}
}

// bucket is key's limiter, made full on first use.
func (r *Rate) bucket(key string) *rate.Limiter {
	if l, ok := r.keys.Get(key); ok {
		return l
	}
	l := rate.NewLimiter(r.limit, r.burst)
	if prev, ok, _ := r.keys.PeekOrAdd(key, l); ok {
		return prev
	}
	return l
}

// Take spends the cost of every check at now if every bucket holds it, and
// returns 0; otherwise it spends nothing and returns how long until all of
// them will.
func Take(now time.Time, checks ...Check) time.Duration {
	d, _ := TakeWhich(now, checks...)
	return d
}

// TakeWhich is Take, also returning the index of the check that must be
// waited for longest (-1 when none must).
func TakeWhich(now time.Time, checks ...Check) (time.Duration, int) {
	var (
		wait  time.Duration
		which = -1
		held  = make([]*rate.Reservation, 0, len(checks))
	)
	for i, c := range checks {
		if c.Rate == nil {
			continue
		}
		res := c.Rate.bucket(c.Key).ReserveN(now, min(max(c.Cost, 1), c.Rate.burst))
		held = append(held, res)
		if d := res.DelayFrom(now); d > wait {
			wait, which = d, i
		}
	}
	if wait > 0 {
		for _, res := range held {
			res.CancelAt(now)
		}
	}
	return wait, which
}

// Check is one bucket a request must pass: Cost tokens of Key's bucket in
// Rate. A nil Rate always passes.
type Check struct {
	Rate *Rate
	Key  string
	Cost int
}

// Charge spends n more tokens of key's bucket at now even if it runs into
// debt: a failed sign-in costs more than the one token its attempt took,
// and the debt is paid back by waiting. It never takes more than one
// burst, so a debt is always paid back within Burst/rate.
func (r *Rate) Charge(key string, n int, now time.Time) {
	if r == nil || n <= 0 {
		return
	}
	r.bucket(key).ReserveN(now, min(n, r.burst))
}

// RetryAfter is a delay as the Retry-After header gives it: whole seconds,
// rounded up, at least 1.
func RetryAfter(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
