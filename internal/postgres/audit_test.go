package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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

// TestAuditDeniedWritesOnlyADenial: audit_denied, the one way into a tenant
// without its membership, adds an access.denied entry to an existing tenant
// (with a plain owner held to the policies), nothing for a missing one, and
// leaves no tenant set behind it: the rest of the caller's transaction sees
// no tenant's rows.
func TestAuditDeniedWritesOnlyADenial(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	app := connect(t, w.db.AppURL)
	call := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}, tenant uuid.UUID) bool {
		t.Helper()
		var wrote bool
		err := q.QueryRow(ctx, `SELECT audit_denied($1, $2, now(), $3, 'tenant', 'target', '192.0.2.9', 'req', '{"kind":"org_not_member"}')`,
			tenant, uuid.Must(uuid.NewV7()), w.carol.ID).Scan(&wrote)
		if err != nil {
			t.Fatalf("audit_denied: %v", err)
		}
		return wrote
	}
	if !call(app, w.orgB) {
		t.Error("audit_denied in an existing tenant wrote nothing")
	}
	if call(app, uuid.New()) {
		t.Error("audit_denied in a tenant that does not exist wrote something")
	}
	tx, err := app.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	call(tx, w.orgB)
	var setting string
	if err := tx.QueryRow(ctx, `SELECT coalesce(current_setting('app.tenant_id', true), '')`).Scan(&setting); err != nil || setting != "" {
		t.Errorf("app.tenant_id after audit_denied = %q, %v; want unset", setting, err)
	}
	for table := range tenantColumns {
		if _, n := tenantsOf(t, tx, table); n != 0 {
			t.Errorf("%s: %d rows visible after audit_denied", table, n)
		}
	}
	_ = tx.Rollback(ctx)

	var es []tenantry.AuditEntry
	if err := w.store.View(ctx, w.bob.ID, w.orgB, func(tx tenantry.TenantAccess) (err error) {
		es, err = tx.AuditEntries(ctx, tenantry.AuditFilter{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Action != tenantry.AuditAccessDenied || es[0].ActorUserID != w.carol.ID || es[0].Details["kind"] != "org_not_member" {
		t.Errorf("B's log = %+v, want the one denial by carol", es)
	}
}
