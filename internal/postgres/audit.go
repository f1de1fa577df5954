package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// Audit writes an audit entry by the scope's user, in this transaction.
func (t *tenantTx) Audit(ctx context.Context, e tenantry.AuditEntry) error {
	details, err := json.Marshal(auditDetails(e.Details))
	if err != nil {
		return err
	}
	err = t.q.CreateAuditEntry(ctx, pgdb.CreateAuditEntryParams{
		TenantID: t.scope.TenantID, ID: t.db.NewID(), At: t.db.now(), ActorUserID: t.scope.UserID,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, Ip: e.IP, RequestID: e.RequestID,
		Details: details,
	})
	if err != nil {
		return interpretError("audit", err, nil)
	}
	return nil
}

// AuditEntries returns one page of the tenant's audit entries, newest
// first.
func (t *tenantTx) AuditEntries(ctx context.Context, f tenantry.AuditFilter) ([]tenantry.AuditEntry, error) {
	before := uuid.Max // sorts after every id
	if f.After != nil {
		before = *f.After
	}
	// PostgreSQL's timestamptz spans 4713 BC to 294276 AD; these bounds
	// are inside it and outside any entry's time.
	since, until := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	if f.Since != nil {
		since = *f.Since
	}
	if f.Until != nil {
		until = *f.Until
	}
	rows, err := t.q.AuditEntries(ctx, pgdb.AuditEntriesParams{
		TenantID: t.scope.TenantID, Before: before, Action: f.Action, Since: since, Until: until, Lim: int32(f.PageLimit()),
	})
	if err != nil {
		return nil, interpretError("audit entries", err, nil)
	}
	es := make([]tenantry.AuditEntry, len(rows))
	for i, r := range rows {
		es[i] = tenantry.AuditEntry{
			TenantID: r.TenantID, ID: r.ID, At: r.At.UTC(), ActorUserID: r.ActorUserID, ActorEmail: r.ActorEmail,
			Action: r.Action, TargetType: r.TargetType, TargetID: r.TargetID, IP: r.Ip, RequestID: r.RequestID,
		}
		if err := json.Unmarshal(r.Details, &es[i].Details); err != nil {
			return nil, err
		}
	}
	return es, nil
}

// auditDetails is d, or an empty object for none.
func auditDetails(d map[string]any) map[string]any {
	if d == nil {
		return map[string]any{}
	}
	return d
}

// Audit refuses to write in a View.
func (viewTx) Audit(context.Context, tenantry.AuditEntry) error { return readOnlyError("Audit") }

// PruneAudit deletes every tenant's audit entries older than retention
// through prune_audit, which never deletes one younger than a day.
func (db *DB) PruneAudit(ctx context.Context, retention time.Duration) (int64, error) {
	var n int64
	retention = max(retention, tenantry.MinAuditRetention)
	if err := db.pool.QueryRow(ctx, `SELECT prune_audit($1)`, db.now().Add(-retention)).Scan(&n); err != nil {
		return 0, interpretError("prune audit", err, nil)
	}
	return n, nil
}
