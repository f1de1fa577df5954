package limit

import (
	"fmt"
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
// until the debt is paid, never longer than one burst's refill.
func TestRateChargeDebt(t *testing.T) {
	t.Parallel()
	r := NewRate(1, 5, 0)
	if d := Take(t0, Check{r, "a", 1}); d != 0 {
		t.Fatal(d)
	}
	r.Charge("a", 4, t0) // level 0
	r.Charge("a", 4, t0) // level -4
	if d := Take(t0, Check{r, "a", 1}); d != 5*time.Second {
		t.Fatalf("in debt: wait %v, want 5s", d)
	}
	r.Charge("a", 100, t0) // capped at the burst: level -9
	if d := Take(t0, Check{r, "a", 1}); d != 10*time.Second {
		t.Fatalf("deeper in debt: wait %v, want 10s", d)
	}
	if d := Take(t0.Add(10*time.Second), Check{r, "a", 1}); d != 0 {
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
