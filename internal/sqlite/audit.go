package sqlite

import (
	"context"
	"encoding/json"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// Audit writes an audit entry by the scope's user, in this transaction.
func (t *tenantTx) Audit(ctx context.Context, e tenantry.AuditEntry) error {
	return t.db.createAuditEntry(ctx, t.q, t.tid, t.scope.UserID, e)
}

// createAuditEntry writes e in tenant tid by actor, with the store's id
// and time, through q.
func (db *DB) createAuditEntry(ctx context.Context, q *sqlitedb.Queries, tid []byte, actor uuid.UUID, e tenantry.AuditEntry) error {
	details, err := json.Marshal(auditDetails(e.Details))
	if err != nil {
		return err
	}
	err = q.CreateAuditEntry(ctx, sqlitedb.CreateAuditEntryParams{
		TenantID: tid, ID: idBytes(db.NewID()), At: micros(db.now()), ActorUserID: idBytes(actor),
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, Ip: e.IP, RequestID: e.RequestID,
		Details: string(details),
	})
	if err != nil {
		return interpretError("audit", err, nil)
	}
	return nil
}

// auditAccount writes es by userID in userID's personal tenant, through
// q's transaction: an account's change and its entries are kept together.
func (db *DB) auditAccount(ctx context.Context, q *sqlitedb.Queries, userID uuid.UUID, es ...tenantry.AuditEntry) error {
	for _, e := range es {
		if err := db.createAuditEntry(ctx, q, idBytes(userID), userID, e); err != nil {
			return err
		}
	}
	return nil
}

// AuditDenied records access.denied in tenantID's log, if the tenant
// exists: one statement, which inserts nothing otherwise.
func (db *DB) AuditDenied(ctx context.Context, tenantID uuid.UUID, e tenantry.AuditEntry) error {
	details, err := json.Marshal(auditDetails(e.Details))
	if err != nil {
		return err
	}
	_, err = db.write.queries().CreateDeniedEntry(ctx, sqlitedb.CreateDeniedEntryParams{
		TenantID: idBytes(tenantID), ID: idBytes(db.NewID()), At: micros(db.now()), ActorUserID: idBytes(e.ActorUserID),
		TargetType: e.TargetType, TargetID: e.TargetID, Ip: e.IP, RequestID: e.RequestID, Details: string(details),
	})
	if err != nil {
		return interpretError("audit denied", err, nil)
	}
	return nil
}

// AuditEntries returns one page of the tenant's audit entries, newest
// first.
func (t *tenantTx) AuditEntries(ctx context.Context, f tenantry.AuditFilter) ([]tenantry.AuditEntry, error) {
	before := idBytes(uuid.Max) // sorts after every id
	if f.After != nil {
		before = idBytes(*f.After)
	}
	since, until := int64(math.MinInt64), int64(math.MaxInt64)
	if f.Since != nil {
		since = micros(*f.Since)
	}
	if f.Until != nil {
		until = micros(*f.Until)
	}
	rows, err := t.q.AuditEntries(ctx, sqlitedb.AuditEntriesParams{
		TenantID: t.tid, Before: before, Action: f.Action, Since: since, Until: until, Limit: int64(f.PageLimit()),
	})
	if err != nil {
		return nil, interpretError("audit entries", err, nil)
	}
	es := make([]tenantry.AuditEntry, len(rows))
	for i, r := range rows {
		es[i] = tenantry.AuditEntry{
			TenantID: fromBytes(r.TenantID), ID: fromBytes(r.ID), At: fromMicros(r.At),
			ActorUserID: fromBytes(r.ActorUserID), ActorEmail: r.ActorEmail, Action: r.Action, TargetType: r.TargetType,
			TargetID: r.TargetID, IP: r.Ip, RequestID: r.RequestID,
		}
		if err := json.Unmarshal([]byte(r.Details), &es[i].Details); err != nil {
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

// PruneAudit deletes every tenant's audit entries older than retention,
// never one younger than MinAuditRetention.
func (db *DB) PruneAudit(ctx context.Context, retention time.Duration) (int64, error) {
	retention = max(retention, tenantry.MinAuditRetention)
	n, err := db.write.queries().PruneAudit(ctx, micros(db.now().Add(-retention)))
	if err != nil {
		return 0, interpretError("prune audit", err, nil)
	}
	return n, nil
}
