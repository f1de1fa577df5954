package limit

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// ErrBusy is returned when a key's requests in flight stay at the bound for
// the whole wait.
var ErrBusy = errors.New("limit: too many requests in flight")

// InFlight bounds the requests in flight per key. A request over the bound
// waits for a slot, at most the configured wait, then gives up with
// ErrBusy. A key's semaphore lives only while one of its requests is in
// flight or waiting, so memory follows the load, not the number of keys
// ever seen.
type InFlight struct {
	n     int64
	wait  time.Duration
	after func(time.Duration) (<-chan time.Time, func() bool)

	mu   sync.Mutex
	keys map[string]*slot
	// free holds slots of keys that went idle, for the next new key: a
	// request usually finds its key idle, and would otherwise allocate a
	// slot and its semaphore every time.
	free []*slot
}

// maxFreeSlots bounds InFlight.free.
const maxFreeSlots = 64

type slot struct {
	sem  *semaphore.Weighted
	refs int // holders and waiters
}

// NewInFlight bounds each key to n requests in flight, waiting at most wait
// for a slot. It returns nil, a bound that admits everything, when n is 0 or
// less.
func NewInFlight(n int, wait time.Duration) *InFlight {
	if n <= 0 {
		return nil
	}
	return &InFlight{n: int64(n), wait: wait, keys: map[string]*slot{}, after: realTimer}
}

// WithTimer replaces the timer that ends a wait (time.NewTimer by default),
// so that tests end waits on a fake clock. after returns the channel that
// fires when d has passed and a function that stops it.
func (f *InFlight) WithTimer(after func(d time.Duration) (<-chan time.Time, func() bool)) *InFlight {
	f.after = after
	return f
}

func realTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// Acquire takes a slot for key, waiting as long as the bound allows, and
// returns the function that gives it back. It fails with ErrBusy when no
// slot came free in time, or with ctx's error when ctx ends first.
func (f *InFlight) Acquire(ctx context.Context, key string) (release func(), err error) {
	if f == nil {
		return func() {}, nil
	}
	f.mu.Lock()
	s := f.keys[key]
	if s == nil {
		if n := len(f.free); n > 0 {
			s, f.free = f.free[n-1], f.free[:n-1]
		} else {
			s = &slot{sem: semaphore.NewWeighted(f.n)}
		}
		f.keys[key] = s
	}
	s.refs++
	f.mu.Unlock()

	if !s.sem.TryAcquire(1) {
		if err := f.waitFor(ctx, s.sem); err != nil {
			f.unref(key, s)
			return nil, err
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.sem.Release(1)
			f.unref(key, s)
		})
	}, nil
}

// waitFor acquires one unit of sem, giving up when the wait ends.
func (f *InFlight) waitFor(ctx context.Context, sem *semaphore.Weighted) error {
	if f.wait <= 0 {
		return ErrBusy
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fired, stop := f.after(f.wait)
	defer stop()
	timedOut := make(chan struct{})
	go func() {
		select {
		case <-fired:
			close(timedOut)
			cancel()
		case <-wctx.Done():
		}
	}()
	err := sem.Acquire(wctx, 1)
	if err == nil {
		return nil
	}
	select {
	case <-timedOut:
		return ErrBusy
	default:
		return ctx.Err()
	}
}

func (f *InFlight) unref(key string, s *slot) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s.refs--; s.refs == 0 {
		// No one holds or waits for s (refs counts both), and no one
		// can find it any more: it is as new, and may serve another key.
		delete(f.keys, key)
		if len(f.free) < maxFreeSlots {
			f.free = append(f.free, s)
		}
	}
}
