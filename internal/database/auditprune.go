package database

import (
	"context"
	"log/slog"
	"time"
)

// auditPruner is a store that deletes audit entries older than a
// retention; both stores are.
type auditPruner interface {
	PruneAudit(ctx context.Context, retention time.Duration) (int64, error)
}

// prunesAudit makes each session purge also prune the audit log, so one
// background loop keeps both tables bounded.
type prunesAudit struct {
	sessionPurger
	audit     auditPruner
	retention time.Duration
	log       *slog.Logger
}

// PurgeSessions purges the sessions, then prunes the audit log; a failed
// prune is logged and tried again at the next tick.
func (p prunesAudit) PurgeSessions(ctx context.Context, idle time.Duration) (int64, error) {
	n, err := p.sessionPurger.PurgeSessions(ctx, idle)
	m, aerr := p.audit.PruneAudit(ctx, p.retention)
	switch {
	case aerr != nil && ctx.Err() == nil:
		p.log.Warn("pruning the audit log failed; trying again later", "err", aerr)
	case m > 0:
		p.log.Debug("pruned old audit entries", "count", m)
	}
	return n, err
}
