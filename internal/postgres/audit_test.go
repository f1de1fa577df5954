package postgres_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry"
)

// TestAppRoleCannotRewriteTheAuditLog: the application role may add and
// read audit entries of its tenant, but UPDATE and DELETE of them are
// refused by the grants, even inside the tenant's own context.
func TestAppRoleCannotRewriteTheAuditLog(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	update(t, w.store, w.alice, w.orgA, func(tx tenantry.TenantAccess) error {
		return tx.Audit(ctx, tenantry.AuditEntry{Action: tenantry.AuditTaskCreate, TargetType: "task", TargetID: "x"})
	})
	app := connect(t, w.db.AppURL)
	for _, stmt := range []string{
		"UPDATE audit_entries SET action = 'task.delete'",
		"DELETE FROM audit_entries",
	} {
		tx, err := app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, "SELECT tenant_context($1, $2)", w.alice.ID, w.orgA); err != nil {
			t.Fatal(err)
		}
		_, err = tx.Exec(ctx, stmt)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "42501" {
			t.Errorf("%s: got %v, want permission denied (42501)", stmt, err)
		}
		_ = tx.Rollback(ctx)
	}
	var n int
	if err := w.store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantAccess) error {
		es, err := tx.AuditEntries(ctx, tenantry.AuditFilter{})
		n = len(es)
		if n == 1 && es[0].Action != tenantry.AuditTaskCreate {
			t.Errorf("entry rewritten: %+v", es[0])
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("%d entries after the attempts, want 1", n)
	}
}

// TestPruneAudit: entries older than the retention go, in every tenant;
// younger ones stay, and none younger than a day goes whatever is asked.
func TestPruneAudit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	write := func(u tenantry.User, org uuid.UUID) {
		update(t, w.store, u, org, func(tx tenantry.TenantAccess) error {
			return tx.Audit(ctx, tenantry.AuditEntry{Action: tenantry.AuditTaskCreate})
		})
	}
	real := w.store.Now
	w.store.Now = func() time.Time { return real().Add(-100 * 24 * time.Hour) }
	write(w.alice, w.orgA)
	write(w.bob, w.orgB)
	w.store.Now = real
	write(w.alice, w.orgA)
	if n, err := w.store.PruneAudit(ctx, 0); err != nil || n != 2 {
		t.Errorf("PruneAudit(0) = %d, %v; want the 2 old entries only", n, err)
	}
	if n, err := w.store.PruneAudit(ctx, 0); err != nil || n != 0 {
		t.Errorf("PruneAudit(0) again = %d, %v; want 0", n, err)
	}
	if err := w.store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantAccess) error {
		es, err := tx.AuditEntries(ctx, tenantry.AuditFilter{})
		if len(es) != 1 {
			t.Errorf("%d entries left in A, want the fresh one", len(es))
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
