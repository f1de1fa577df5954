package auth

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// ErrHashBusy is returned when every argon2id slot stayed taken for the
// whole wait. The caller answers it as "try again shortly".
var ErrHashBusy = errors.New("auth: too many password checks at once")

// Hashing bounds how many argon2id computations run at once. Each one
// allocates its 19 MiB, so without a bound a flood of sign-ins makes memory
// grow with the number of requests in flight; with one, memory stays below
// n × 19 MiB whatever the flood, and the rest wait their turn, at most the
// configured wait. A nil *Hashing bounds nothing.
type Hashing struct {
	sem     *semaphore.Weighted
	wait    time.Duration
	running atomic.Int64
	// onCompute, when set, is called as each computation starts with the
	// number running, that one included (tests count with it).
	onCompute func(running int)
}

// NewHashing allows n argon2id computations at once, the others waiting at
// most wait for a slot. It returns nil, no bound, when n is 0 or less.
func NewHashing(n int, wait time.Duration) *Hashing {
	if n <= 0 {
		return nil
	}
	return &Hashing{sem: semaphore.NewWeighted(int64(n)), wait: wait}
}

// OnCompute sets a function called as each computation starts with the
// number running then, that one included. It is for tests and
// instrumentation; set it before use.
func (h *Hashing) OnCompute(f func(running int)) { h.onCompute = f }

// do runs fn in a slot.
func (h *Hashing) do(ctx context.Context, fn func()) error {
	if h == nil {
		fn()
		return nil
	}
	if !h.sem.TryAcquire(1) {
		if h.wait <= 0 {
			return ErrHashBusy
		}
		wctx, cancel := context.WithTimeout(ctx, h.wait)
		err := h.sem.Acquire(wctx, 1)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return ErrHashBusy
		}
	}
	defer h.sem.Release(1)
	n := h.running.Add(1)
	defer h.running.Add(-1)
	if h.onCompute != nil {
		h.onCompute(int(n))
	}
	fn()
	return nil
}

// Hash is HashPassword in a slot.
func (h *Hashing) Hash(ctx context.Context, pw string) (hash string, err error) {
	if berr := h.do(ctx, func() { hash, err = HashPassword(pw) }); berr != nil {
		return "", berr
	}
	return hash, err
}

// Verify is VerifyPassword in a slot.
func (h *Hashing) Verify(ctx context.Context, hash, pw string) (ok bool, err error) {
	if berr := h.do(ctx, func() { ok, err = VerifyPassword(hash, pw) }); berr != nil {
		return false, berr
	}
	return ok, err
}

// VerifyNoUser is VerifyNoUser in a slot: an unknown email waits for its
// turn like a known one.
func (h *Hashing) VerifyNoUser(ctx context.Context, pw string) error {
	return h.do(ctx, func() { VerifyNoUser(pw) })
}
