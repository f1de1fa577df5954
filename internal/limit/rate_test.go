package limit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// TestRateBurstThenWait spends a burst, is refused with the time until the
// next token, and passes again once the fake clock has moved that far.
func TestRateBurstThenWait(t *testing.T) {
	t.Parallel()
	r := NewRate(1.0/6, 3, 0) // one token every 6 s, 3 at most
	for i := range 3 {
		if d := Take(t0, Check{r, "a", 1}); d != 0 {
			t.Fatalf("take %d of the burst: wait %v", i+1, d)
		}
	}
	d := Take(t0, Check{r, "a", 1})
	if d != 6*time.Second {
		t.Fatalf("past the burst: wait %v, want 6s", d)
	}
	if d := Take(t0, Check{r, "b", 1}); d != 0 {
		t.Fatalf("another key: wait %v", d)
	}
	if d := Take(t0.Add(d), Check{r, "a", 1}); d != 0 {
		t.Fatalf("after the wait: wait %v", d)
	}
}

// TestRateChargeDebt charges a failure's extra cost into debt: the key waits
// until the debt is paid; many charges at once go no deeper than one.
func TestRateChargeDebt(t *testing.T) {
	t.Parallel()
	r := NewRate(1, 5, 0)
	if d := Take(t0, Check{r, "a", 1}); d != 0 {
		t.Fatal(d)
	}
	r.Charge("a", 4, t0) // level 0
	if d := Take(t0, Check{r, "a", 1}); d != time.Second {
		t.Fatalf("empty: wait %v, want 1s", d)
	}
	r.Charge("a", 4, t0) // level -4
	if d := Take(t0, Check{r, "a", 1}); d != 5*time.Second {
		t.Fatalf("in debt: wait %v, want 5s", d)
	}
	for range 10 {
		r.Charge("a", 4, t0) // admitted together, failed together
	}
	if d := Take(t0, Check{r, "a", 1}); d != 5*time.Second {
		t.Fatalf("after ten more charges: wait %v, want still 5s", d)
	}
	if d := Take(t0.Add(5*time.Second), Check{r, "a", 1}); d != 0 {
		t.Fatalf("after the debt is paid: wait %v", d)
	}
}

// TestTakeAllOrNothing checks that a request refused by one bucket spends
// nothing from the others.
func TestTakeAllOrNothing(t *testing.T) {
	t.Parallel()
	ip, account := NewRate(1, 2, 0), NewRate(1, 1, 0)
	if d := Take(t0, Check{ip, "1.2.3.4", 1}, Check{account, "x", 1}); d != 0 {
		t.Fatal(d)
	}
	if d := Take(t0, Check{ip, "1.2.3.4", 1}, Check{account, "x", 1}); d != time.Second {
		t.Fatalf("account empty: wait %v, want 1s", d)
	}
	// The address still holds its second token.
	if d := Take(t0, Check{ip, "1.2.3.4", 1}, Check{account, "y", 1}); d != 0 {
		t.Fatalf("the refused request spent the address's token: wait %v", d)
	}
}

// TestRateNil checks that a disabled limit passes everything.
func TestRateNil(t *testing.T) {
	t.Parallel()
	r := NewRate(0, 10, 0)
	for range 100 {
		if d := Take(t0, Check{r, "a", 1}); d != 0 {
			t.Fatal(d)
		}
	}
	r.Charge("a", 5, t0)
}

// TestRateBounded checks that keys past the bound are forgotten, oldest
// use first.
func TestRateBounded(t *testing.T) {
	t.Parallel()
	r := NewRate(1, 1, 4)
	for i := range 10 {
		Take(t0, Check{r, fmt.Sprint(i), 1})
	}
	if got := r.keys.Len(); got != 4 {
		t.Fatalf("%d keys remembered, want 4", got)
	}
	if d := Take(t0, Check{r, "0", 1}); d != 0 {
		t.Fatalf("a forgotten key starts full: wait %v", d)
	}
	if d := Take(t0, Check{r, "9", 1}); d == 0 {
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
	r := NewRate(1, 5, 0)
	if d := Take(t0, Check{r, "a", 5}); d != 0 {
		t.Fatal(d)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			<-start
			for range 500 {
				Take(t0, Check{r, "a", 1})
			}
		})
	}
	close(start)
	wg.Wait()
	if d := Take(t0.Add(time.Second), Check{r, "a", 1}); d != 0 {
		t.Fatalf("one second after emptying, past 4,000 refusals: wait %v, want none", d)
	}
}

// TestRateQueue slows a key past its burst to the rate while the wait is
// short, and refuses it, spending nothing, once the wait would be longer.
func TestRateQueue(t *testing.T) {
	t.Parallel()
	r := NewRate(10, 2, 0) // a token every 100 ms
	for i, want := range []time.Duration{0, 0, 100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond} {
		d, ok := r.Queue("a", 300*time.Millisecond, t0)
		if !ok || d != want {
			t.Fatalf("request %d: %v %v, want %v true", i+1, d, ok, want)
		}
	}
	if d, ok := r.Queue("a", 300*time.Millisecond, t0); ok || d != 400*time.Millisecond {
		t.Fatalf("past the queue: %v %v, want 400ms false", d, ok)
	}
	if d, ok := r.Queue("a", 300*time.Millisecond, t0); ok || d != 400*time.Millisecond {
		t.Fatalf("a refusal spent a token: %v %v", d, ok)
	}
	if d, ok := r.Queue("b", 0, t0); !ok || d != 0 {
		t.Fatalf("another key: %v %v", d, ok)
	}
	var off *Rate
	if d, ok := off.Queue("a", 0, t0); !ok || d != 0 {
		t.Fatal("a nil Rate refused")
	}
}
