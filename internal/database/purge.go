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

// auditPruner is a store that deletes audit entries older than a
// retention; both stores are.
type auditPruner interface {
	PruneAudit(ctx context.Context, retention time.Duration) (int64, error)
}

// idempotencyPurger is a store that deletes the Idempotency-Keys of every
// tenant once they are older than tenantry.IdempotencyKeep; both stores
// are.
type idempotencyPurger interface {
	PurgeIdempotencyKeys(ctx context.Context) (int64, error)
}

// alsoPurges makes each session purge also run one more clean-up, so one
// background loop keeps every table bounded: the audit log's retention,
// the expired Idempotency-Keys (a claim forgets only its own caller's, so
// without it the keys of a caller who never comes back would be kept for
// good). A failed clean-up is logged and tried again at the next tick.
type alsoPurges struct {
	sessionPurger
	run    func(ctx context.Context) (int64, error)
	failed string // the warning when run fails
	done   string // the debug line when run deleted something
	log    *slog.Logger
}

// PurgeSessions purges the sessions (and whatever the wrapped purger
// does), then runs the clean-up.
func (p alsoPurges) PurgeSessions(ctx context.Context, idle time.Duration) (int64, error) {
	n, err := p.sessionPurger.PurgeSessions(ctx, idle)
	m, cerr := p.run(ctx)
	switch {
	case cerr != nil && ctx.Err() == nil:
		p.log.Warn(p.failed, "err", cerr)
	case m > 0:
		p.log.Debug(p.done, "count", m)
	}
	return n, err
}

// prunesAudit is the audit log's clean-up: entries older than retention.
func prunesAudit(p sessionPurger, a auditPruner, retention time.Duration, log *slog.Logger) alsoPurges {
	return alsoPurges{sessionPurger: p, log: log,
		run:    func(ctx context.Context) (int64, error) { return a.PruneAudit(ctx, retention) },
		failed: "pruning the audit log failed; trying again later", done: "pruned old audit entries"}
}

// purgesIdempotencyKeys is the expired Idempotency-Keys' clean-up.
func purgesIdempotencyKeys(p sessionPurger, k idempotencyPurger, log *slog.Logger) alsoPurges {
	return alsoPurges{sessionPurger: p, log: log, run: k.PurgeIdempotencyKeys,
		failed: "purging expired idempotency keys failed; trying again later", done: "purged expired idempotency keys"}
}
