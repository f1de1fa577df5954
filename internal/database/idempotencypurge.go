package database

import (
	"context"
	"log/slog"
	"time"
)

// idempotencyPurger is a store that deletes the Idempotency-Keys of every
// tenant once they are older than tenantry.IdempotencyKeep; both stores
// are.
type idempotencyPurger interface {
	PurgeIdempotencyKeys(ctx context.Context) (int64, error)
}

// purgesIdempotencyKeys makes each session purge also delete expired
// Idempotency-Keys. A claim forgets only its own caller's expired keys in
// its tenant, so without the purge the keys of a caller who never sends
// another key would be kept for good.
type purgesIdempotencyKeys struct {
	sessionPurger
	keys idempotencyPurger
	log  *slog.Logger
}

// PurgeSessions purges the sessions (and whatever the wrapped purger
// does), then the expired keys; a failed purge of the keys is logged and
// tried again at the next tick.
func (p purgesIdempotencyKeys) PurgeSessions(ctx context.Context, idle time.Duration) (int64, error) {
	n, err := p.sessionPurger.PurgeSessions(ctx, idle)
	m, kerr := p.keys.PurgeIdempotencyKeys(ctx)
	switch {
	case kerr != nil && ctx.Err() == nil:
		p.log.Warn("purging expired idempotency keys failed; trying again later", "err", kerr)
	case m > 0:
		p.log.Debug("purged expired idempotency keys", "count", m)
	}
	return n, err
}
