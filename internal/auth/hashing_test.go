package auth

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

// TestHashingBound starts many checks at once and counts, from inside the
// computation, how many run together: never more than the bound, and every
// waiting check runs once a slot frees.
func TestHashingBound(t *testing.T) {
	t.Parallel()
	const bound, callers = 2, 10
	h := NewHashing(bound, 1<<40)
	var (
		most, calls atomic.Int64
		entered     = make(chan struct{}, callers)
		gate        = make(chan struct{})
	)
	h.OnCompute(func(running int) {
		calls.Add(1)
		for {
			m := most.Load()
			if int64(running) <= m || most.CompareAndSwap(m, int64(running)) {
				break
			}
		}
		entered <- struct{}{}
		<-gate
	})
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, err := h.Verify(context.Background(), dummyHash, "wrong")
			errs <- err
		})
	}
	for range bound {
		<-entered
	}
	if got := h.running.Load(); got != bound {
		t.Fatalf("%d running with the slots held, want %d", got, bound)
	}
	close(gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("a waiting check: %v", err)
		}
	}
	if got := most.Load(); got > bound {
		t.Fatalf("%d computations ran at once, want at most %d", got, bound)
	}
	if got := calls.Load(); got != callers {
		t.Fatalf("%d computations, want %d (every waiting check runs)", got, callers)
	}
}

// TestHashingBusy holds the only slot and checks that a check that may
// not wait is refused with ErrHashBusy, computing nothing.
func TestHashingBusy(t *testing.T) {
	t.Parallel()
	h := NewHashing(1, 0)
	entered, gate := make(chan struct{}), make(chan struct{})
	var calls atomic.Int64
	h.OnCompute(func(int) {
		if calls.Add(1) == 1 {
			close(entered)
			<-gate
		}
	})
	done := make(chan error)
	go func() { done <- h.VerifyNoUser(context.Background(), "x") }()
	<-entered
	if _, err := h.Hash(context.Background(), "x"); !errors.Is(err, ErrHashBusy) {
		t.Fatalf("with the slot taken: %v, want ErrHashBusy", err)
	}
	close(gate)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 1 {
		t.Fatalf("%d computations, want 1", got)
	}
}

// TestHashingNil checks that no bound still hashes.
func TestHashingNil(t *testing.T) {
	t.Parallel()
	var h *Hashing = NewHashing(0, 0)
	hash, err := h.Hash(context.Background(), "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := h.Verify(context.Background(), hash, "correct horse"); !ok || err != nil {
		t.Fatalf("Verify = %v, %v", ok, err)
	}
}
