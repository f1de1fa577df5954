package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// Audit writes an audit entry by the scope's user, in this transaction.
func (t *tenantTx) Audit(ctx context.Context, e tenantry.AuditEntry) error {
	return t.db.createAuditEntry(ctx, t.q, t.scope.TenantID, t.scope.UserID, e)
}

// createAuditEntry writes e in tenantID by actor, with the store's id and
// time, through q, whose transaction is in tenantID's context.
func (db *DB) createAuditEntry(ctx context.Context, q *pgdb.Queries, tenantID, actor uuid.UUID, e tenantry.AuditEntry) error {
	details, err := json.Marshal(auditDetails(e.Details))
	if err != nil {
		return err
	}
	err = q.CreateAuditEntry(ctx, pgdb.CreateAuditEntryParams{
		TenantID: tenantID, ID: db.NewID(), At: db.now(), ActorUserID: actor,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, Ip: e.IP, RequestID: e.RequestID,
		Details: details,
	})
	if err != nil {
		return interpretError("audit", err, nil)
	}
	return nil
}

// auditAccount writes es by userID in userID's personal tenant, in tx: an
// account's change and its entries are kept together. It enters that
// tenant's context, so it comes after the change's own statements.
func (db *DB) auditAccount(ctx context.Context, tx pgx.Tx, userID uuid.UUID, es ...tenantry.AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	if _, _, err := tenantContext(ctx, tx, userID, userID); err != nil {
		return err
	}
	q := db.queries(tx)
	for _, e := range es {
		if err := db.createAuditEntry(ctx, q, userID, userID, e); err != nil {
			return err
		}
	}
	return nil
}

// AuditDenied records access.denied in tenantID's log through
// audit_denied (migration 00012): the actor is no member, so no tenant
// context admits the row. The call is a transaction of its own, as Citus
// needs of an owner-run function and of the SET LOCAL inside it.
func (db *DB) AuditDenied(ctx context.Context, tenantID uuid.UUID, e tenantry.AuditEntry) error {
	details, err := json.Marshal(auditDetails(e.Details))
	if err != nil {
		return err
	}
	return db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `SELECT audit_denied($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			tenantID, db.NewID(), db.now(), e.ActorUserID, e.TargetType, e.TargetID, e.IP, e.RequestID, details)
		return interpretError("audit denied", err, nil)
	})
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
