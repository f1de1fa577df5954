package database

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tenantry/tenantry"
)

// DefaultPurgeEvery is how often expired sessions are deleted.
const DefaultPurgeEvery = 10 * time.Minute

// sessionPurger is a store that deletes its expired sessions; both stores
// are.
type sessionPurger interface {
	PurgeSessions(ctx context.Context, idle time.Duration) (int64, error)
}

// purging is a store whose expired sessions are deleted in the background
// until it is closed. SessionUser already refuses an expired session; the
// purge keeps the table from holding every session ever made.
type purging struct {
	tenantry.Store
	stop func()
}

// startPurge deletes store's expired sessions on every tick (and those
// unused for longer than idle, when idle is positive) until the returned
// store is closed, which then calls release.
func startPurge(store tenantry.Store, p sessionPurger, ticks <-chan time.Time, release func(), idle time.Duration, log *slog.Logger) *purging {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		purgeLoop(ctx, p, ticks, idle, log)
	}()
	return &purging{Store: store, stop: func() { cancel(); wg.Wait(); release() }}
}

// purgeLoop purges on every tick until ctx is done. A failed purge is
// logged and tried again at the next tick.
func purgeLoop(ctx context.Context, p sessionPurger, ticks <-chan time.Time, idle time.Duration, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
		n, err := p.PurgeSessions(ctx, idle)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("purging expired sessions failed; trying again later", "err", err)
		case n > 0:
			log.Debug("purged expired sessions", "count", n)
		}
	}
}

// Close stops the purge, then closes the store.
func (p *purging) Close() error {
	p.stop()
	return p.Store.Close()
}

// Unwrap returns the store underneath.
func (p *purging) Unwrap() tenantry.Store { return p.Store }
