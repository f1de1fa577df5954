package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
	"github.com/tenantry/tenantry/internal/storetest"
)

// TestStoreUnfiltered runs the conformance suite, isolation cases included,
// on a store whose own tenant filter is gone: row-level security alone keeps
// the tenants apart.
func TestStoreUnfiltered(t *testing.T) {
	t.Parallel()
	postgrestest.URL(t)
	if testing.Short() {
		t.Skip("-short: the conformance suite runs on the filtered store only")
	}
	storetest.Exercise(t, func(t *testing.T) tenantry.Store { return postgrestest.Unfiltered(t) })
}

func TestDropTenantFilter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"SELECT * FROM tasks WHERE tenant_id = $1 AND id = $2", "SELECT * FROM tasks WHERE ($1::uuid IS NOT NULL) AND id = $2"},
		{"DELETE FROM tasks WHERE tenant_id = $1", "DELETE FROM tasks WHERE ($1::uuid IS NOT NULL)"},
		{"FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $3", "FROM memberships m JOIN users u ON u.id = m.user_id WHERE ($3::uuid IS NOT NULL)"},
		{"SELECT id FROM tenants WHERE tenants.id = $1 FOR NO KEY UPDATE", "SELECT id FROM tenants WHERE ($1::uuid IS NOT NULL) FOR NO KEY UPDATE"},
		{"INSERT INTO tasks (tenant_id, id) VALUES ($1, $2)", "INSERT INTO tasks (tenant_id, id) VALUES ($1, $2)"},
		{"SELECT * FROM users WHERE id = $1", "SELECT * FROM users WHERE id = $1"},
	} {
		if got := postgrestest.DropTenantFilter(c.in); got != c.want {
			t.Errorf("DropTenantFilter(%q)\n got %q\nwant %q", c.in, got, c.want)
		}
	}
}

// TestUnfilteredLeaksWithoutRLS shows that the unfiltered store really has
// no filter of its own: with row-level security off, it reads and deletes
// another tenant's task. TestStoreUnfiltered can therefore fail.
func TestUnfilteredLeaksWithoutRLS(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := postgrestest.NewFreshDatabase(t)
	store := postgrestest.OpenURL(t, db.AppURL)
	alice := mustUser(t, store, "alice@example.com")
	bob := mustUser(t, store, "bob@example.com")
	var bobs tenantry.Task
	update(t, store, bob, bob.ID, func(tx tenantry.TenantAccess) (err error) {
		bobs, err = tx.CreateTask(ctx, tenantry.NewTask{Title: "bob's"})
		return err
	})

	// The filtered store, RLS on: not found.
	read := func(s tenantry.Store) error {
		return s.View(ctx, alice.ID, alice.ID, func(tx tenantry.TenantAccess) error {
			_, err := tx.Task(ctx, bobs.ID)
			return err
		})
	}
	if err := read(store); !errors.Is(err, tenantry.ErrTaskNotFound) {
		t.Fatalf("filtered, RLS on: got %v, want ErrTaskNotFound", err)
	}

	if _, err := connect(t, db.OwnerURL).Exec(ctx, "ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY; ALTER TABLE tasks DISABLE ROW LEVEL SECURITY"); err != nil {
		t.Fatal(err)
	}
	// The filtered store, RLS off: wall one alone still holds.
	if err := read(store); !errors.Is(err, tenantry.ErrTaskNotFound) {
		t.Fatalf("filtered, RLS off: got %v, want ErrTaskNotFound", err)
	}
	// Unfiltered and RLS off: nothing holds, which is the point.
	leaky, err := postgres.OpenUnchecked(context.Background(), db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	defer leaky.Close()
	postgrestest.Unfilter(leaky)
	if err := read(leaky); err != nil {
		t.Fatalf("unfiltered, RLS off: got %v, want bob's task to leak", err)
	}
}
