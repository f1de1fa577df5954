package limit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// fakeTimer ends waits when the test says so.
type fakeTimer struct {
	started chan time.Duration
	fire    chan time.Time
}

func newFakeTimer() *fakeTimer {
	return &fakeTimer{started: make(chan time.Duration, 16), fire: make(chan time.Time)}
}

func (f *fakeTimer) after(d time.Duration) (<-chan time.Time, func() bool) {
	f.started <- d
	return f.fire, func() bool { return true }
}

// TestInFlightWaitThenBusy fills key a's slots: a's next request waits,
// and gets ErrBusy when its wait ends; key b is admitted meanwhile; a
// request waiting when a slot frees gets it.
func TestInFlightWaitThenBusy(t *testing.T) {
	t.Parallel()
	ft := newFakeTimer()
	f := NewInFlight(2, time.Second).WithTimer(ft.after)
	ctx := context.Background()
	r1, err := f.Acquire(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.Acquire(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	busy := make(chan error, 1)
	go func() {
		_, err := f.Acquire(ctx, "a")
		busy <- err
	}()
	if d := <-ft.started; d != time.Second {
		t.Fatalf("waits %v, want 1s", d)
	}
	rb, err := f.Acquire(ctx, "b")
	if err != nil {
		t.Fatalf("key b while a is full: %v", err)
	}
	rb()
	ft.fire <- t0
	if err := <-busy; !errors.Is(err, ErrBusy) {
		t.Fatalf("a's excess after its wait: %v, want ErrBusy", err)
	}

	got := make(chan error, 1)
	go func() {
		rel, err := f.Acquire(ctx, "a")
		if err == nil {
			rel()
		}
		got <- err
	}()
	<-ft.started
	r1()
	if err := <-got; err != nil {
		t.Fatalf("a waiter when a slot frees: %v", err)
	}
	r2()
	r1() // a second release is a no-op
	f.mu.Lock()
	n := len(f.keys)
	f.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d keys kept with nothing in flight, want 0", n)
	}
}

// TestInFlightNoWait refuses at once when the wait is 0, and admits
// everything when the bound is 0.
func TestInFlightNoWait(t *testing.T) {
	t.Parallel()
	f := NewInFlight(1, 0)
	rel, err := f.Acquire(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Acquire(context.Background(), "a"); !errors.Is(err, ErrBusy) {
		t.Fatalf("%v, want ErrBusy", err)
	}
	rel()
	var off *InFlight = NewInFlight(0, time.Second)
	for range 10 {
		if _, err := off.Acquire(context.Background(), "a"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestInFlightReusedSlotKeepsTheBound fills and empties key a, whose slot
// is then kept for reuse: key b gets it, and its bound holds as a new
// slot's would.
func TestInFlightReusedSlotKeepsTheBound(t *testing.T) {
	t.Parallel()
	f := NewInFlight(2, 0)
	ctx := context.Background()
	for range 3 {
		var rels []func()
		for range 2 {
			rel, err := f.Acquire(ctx, "a")
			if err != nil {
				t.Fatal(err)
			}
			rels = append(rels, rel)
		}
		for _, rel := range rels {
			rel()
		}
	}
	if got := len(f.free); got != 1 {
		t.Fatalf("%d free slots after a went idle, want 1", got)
	}
	r1, err := f.Acquire(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	r2, err := f.Acquire(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if len(f.free) != 0 {
		t.Fatal("b did not take the free slot")
	}
	if _, err := f.Acquire(ctx, "b"); !errors.Is(err, ErrBusy) {
		t.Fatalf("b's third request on a reused slot: %v, want ErrBusy", err)
	}
	r1()
	r1() // a second release is a no-op: b's other request still holds a slot
	rel, err := f.Acquire(ctx, "b")
	if err != nil {
		t.Fatalf("b after one release: %v", err)
	}
	if _, err := f.Acquire(ctx, "b"); !errors.Is(err, ErrBusy) {
		t.Fatalf("b's third request after a double release: %v, want ErrBusy", err)
	}
	rel()
	r2()
}
