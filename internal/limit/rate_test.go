package limit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// backend makes the rates of one implementation.
type backend struct {
	name    string
	newRate func(perSecond float64, burst int) Rate
}

// backends are the implementations the tests of a Rate's behaviour run on:
// Local, and Redis on the caller's clock when TENANTRY_TEST_REDIS is set,
// exact and leased.
func backends(t *testing.T) []backend {
	t.Helper()
	bs := []backend{{"local", func(perSecond float64, burst int) Rate { return New("test", perSecond, burst, nil) }}}
	if r := testRedis(t, true); r != nil {
		n := 0
		bs = append(bs, backend{"redis", func(perSecond float64, burst int) Rate {
			n++ // each rate its own namespace, as each name is in a server
			return r.Rate(fmt.Sprint("test", n), perSecond, burst)
		}}, backend{"redis-leased", func(perSecond float64, burst int) Rate {
			// The tests' bursts are under 40: leases of one token, each
			// spent at once, so the semantics are Rate's exactly.
			n++
			return r.LeasedRate(fmt.Sprint("test", n), perSecond, burst)
		}})
	}
	return bs
}

var bg = context.Background()

// TestRateBurstThenWait spends a burst, is refused with the time until the
// next token, and passes again once the fake clock has moved that far.
func TestRateBurstThenWait(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			r := b.newRate(1.0/6, 3) // one token every 6 s, 3 at most
			for i := range 3 {
				if d := Take(bg, t0, Check{r, "a", 1}); d != 0 {
					t.Fatalf("take %d of the burst: wait %v", i+1, d)
				}
			}
			d := Take(bg, t0, Check{r, "a", 1})
			if d != 6*time.Second {
				t.Fatalf("past the burst: wait %v, want 6s", d)
			}
			if d := Take(bg, t0, Check{r, "b", 1}); d != 0 {
				t.Fatalf("another key: wait %v", d)
			}
			if d := Take(bg, t0.Add(d), Check{r, "a", 1}); d != 0 {
				t.Fatalf("after the wait: wait %v", d)
			}
		})
	}
}

// TestRateChargeDebt charges a failure's extra cost into debt: the key waits
// until the debt is paid; many charges at once go no deeper than one.
func TestRateChargeDebt(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			r := b.newRate(1, 5)
			if d := Take(bg, t0, Check{r, "a", 1}); d != 0 {
				t.Fatal(d)
			}
			Charge(bg, r, "a", 4, t0) // level 0
			if d := Take(bg, t0, Check{r, "a", 1}); d != time.Second {
				t.Fatalf("empty: wait %v, want 1s", d)
			}
			Charge(bg, r, "a", 4, t0) // level -4
			if d := Take(bg, t0, Check{r, "a", 1}); d != 5*time.Second {
				t.Fatalf("in debt: wait %v, want 5s", d)
			}
			for range 10 {
				Charge(bg, r, "a", 4, t0) // admitted together, failed together
			}
			if d := Take(bg, t0, Check{r, "a", 1}); d != 5*time.Second {
				t.Fatalf("after ten more charges: wait %v, want still 5s", d)
			}
			if d := Take(bg, t0.Add(5*time.Second), Check{r, "a", 1}); d != 0 {
				t.Fatalf("after the debt is paid: wait %v", d)
			}
			// A charge larger than the burst goes no deeper than the burst.
			Charge(bg, r, "c", 50, t0) // level 5 - 5
			if d := Take(bg, t0, Check{r, "c", 1}); d != time.Second {
				t.Fatalf("charged 50 of a burst of 5: wait %v, want 1s", d)
			}
		})
	}
}

// TestTakeAllOrNothing checks that a request refused by one bucket spends
// nothing from the others, and names the one to wait for.
func TestTakeAllOrNothing(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ip, account := b.newRate(1, 2), b.newRate(1, 1)
			if d := Take(bg, t0, Check{ip, "1.2.3.4", 1}, Check{account, "x", 1}); d != 0 {
				t.Fatal(d)
			}
			if d, which := TakeWhich(bg, t0, Check{ip, "1.2.3.4", 1}, Check{account, "x", 1}); d != time.Second || which != 1 {
				t.Fatalf("account empty: wait %v for check %d, want 1s for 1", d, which)
			}
			// The address still holds its second token.
			if d := Take(bg, t0, Check{ip, "1.2.3.4", 1}, Check{account, "y", 1}); d != 0 {
				t.Fatalf("the refused request spent the address's token: wait %v", d)
			}
			// A check that is off is skipped, and the index still counts it.
			if d, which := TakeWhich(bg, t0, Check{nil, "1.2.3.4", 1}, Check{ip, "1.2.3.4", 1}); d != time.Second || which != 1 {
				t.Fatalf("address empty after an off check: wait %v for check %d, want 1s for 1", d, which)
			}
		})
	}
}

// TestRateNil checks that a disabled limit passes everything.
func TestRateNil(t *testing.T) {
	t.Parallel()
	for _, r := range []Rate{New("off", 0, 10, nil), NewLocal(1, 0, 0), nil} {
		for range 100 {
			if d := Take(bg, t0, Check{r, "a", 1}); d != 0 {
				t.Fatal(d)
			}
		}
		Charge(bg, r, "a", 5, t0)
		if d, ok := Queue(bg, r, "a", 0, t0); !ok || d != 0 {
			t.Fatal("a nil Rate refused")
		}
	}
	if d, which := TakeWhich(bg, t0); d != 0 || which != -1 {
		t.Fatalf("no check: %v %d", d, which)
	}
}

// TestRateBounded checks that keys past the bound are forgotten, oldest
// use first.
func TestRateBounded(t *testing.T) {
	t.Parallel()
	r := NewLocal(1, 1, 4)
	for i := range 10 {
		Take(bg, t0, Check{r, fmt.Sprint(i), 1})
	}
	if got := r.keys.Len(); got != 4 {
		t.Fatalf("%d keys remembered, want 4", got)
	}
	if d := Take(bg, t0, Check{r, "0", 1}); d != 0 {
		t.Fatalf("a forgotten key starts full: wait %v", d)
	}
	if d := Take(bg, t0, Check{r, "9", 1}); d == 0 {
		t.Fatal("a remembered key's empty bucket was refilled")
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		d    time.Duration
		want int
	}{{0, 1}, {time.Millisecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {30 * time.Second, 30}} {
		if got := RetryAfter(c.d); got != c.want {
			t.Errorf("RetryAfter(%v) = %d, want %d", c.d, got, c.want)
		}
	}
}

// TestRefusalsSpendNothing floods an empty bucket with refused requests
// from many goroutines: once the first token is back, the key passes, as if
// the flood had not happened. (With reserve-then-cancel, a cancelled
// reservation stays spent whenever another was made in between; the
// benchmark's login flood showed Retry-After growing to 100 s and more.
// Whether this test catches that depends on the goroutines interleaving.)
func TestRefusalsSpendNothing(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			r := b.newRate(1, 5)
			if d := Take(bg, t0, Check{r, "a", 5}); d != 0 {
				t.Fatal(d)
			}
			n := 500 // each goroutine's refusals
			if b.name == "redis" {
				n = 50 // a round trip each
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range 8 {
				wg.Go(func() {
					<-start
					for range n {
						Take(bg, t0, Check{r, "a", 1})
					}
				})
			}
			close(start)
			wg.Wait()
			if d := Take(bg, t0.Add(time.Second), Check{r, "a", 1}); d != 0 {
				t.Fatalf("one second after emptying, past %d refusals: wait %v, want none", 8*n, d)
			}
		})
	}
}

// TestRateQueue slows a key past its burst to the rate while the wait is
// short, and refuses it, spending nothing, once the wait would be longer.
func TestRateQueue(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			r := b.newRate(10, 2) // a token every 100 ms
			for i, want := range []time.Duration{0, 0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond} {
				d, ok := Queue(bg, r, "a", 300*time.Millisecond, t0)
				if !ok || d != want {
					t.Fatalf("request %d: %v %v, want %v true", i+1, d, ok, want)
				}
			}
			if d, ok := Queue(bg, r, "a", 300*time.Millisecond, t0); ok || d != 400*time.Millisecond {
				t.Fatalf("past the queue: %v %v, want 400ms false", d, ok)
			}
			if d, ok := Queue(bg, r, "a", 300*time.Millisecond, t0); ok || d != 400*time.Millisecond {
				t.Fatalf("a refusal spent a token: %v %v", d, ok)
			}
			if d, ok := Queue(bg, r, "b", 0, t0); !ok || d != 0 {
				t.Fatalf("another key: %v %v", d, ok)
			}
		})
	}
}
