package postgres_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestViewContextEndsWithEachStatement checks the View's implicit
// transactions on a store without its own tenant filter: the tenant_context
// call sent in one batch with a statement applies to that statement, and
// nothing of it is left on the connection afterwards.
func TestViewContextEndsWithEachStatement(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	store := postgrestest.OpenURL(t, w.db.AppURL+"&pool_max_conns=1")
	postgrestest.Unfilter(store)
	pool := postgres.PoolOf(store)
	pid := func() (pid uint32) {
		t.Helper()
		if err := pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		return pid
	}

	before := pid()
	err := store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantTx) error {
		if got, want := tx.Scope(), (tenantry.Scope{UserID: w.alice.ID, TenantID: w.orgA, Kind: tenantry.KindOrg, Role: tenantry.RoleOwner}); got != want {
			t.Errorf("Scope() = %+v, want %+v", got, want)
		}
		for range 2 { // the second statement has a context of its own too
			tasks, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 100})
			if err != nil {
				return err
			}
			if got, want := len(tasks), w.tasksA; got != want {
				t.Errorf("A's View: %d tasks, want %d", got, want)
			}
			for _, task := range tasks {
				if task.TenantID != w.orgA {
					t.Errorf("A's View saw a task of tenant %v", task.TenantID)
				}
			}
		}
		members, err := tx.Members(ctx)
		for _, m := range members {
			if m.TenantID != w.orgA {
				t.Errorf("A's View saw a member of tenant %v", m.TenantID)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// The same connection, right after: no context, no rows.
	if got := pid(); got != before {
		t.Fatalf("backend %d after the View, want the same one, %d", got, before)
	}
	for _, table := range []string{"tasks", "memberships", "tenants"} {
		var n int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("a bare SELECT from %s after the View saw %d rows, want 0", table, n)
		}
	}
	var user, tenant, ids string
	err = pool.QueryRow(ctx,
		"SELECT coalesce(current_setting('app.user_id', true), ''), coalesce(current_setting('app.tenant_id', true), ''), coalesce(current_setting('app.tenant_ids', true), '')").
		Scan(&user, &tenant, &ids)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" || tenant != "" || ids != "" {
		t.Errorf("after the View: app.user_id=%q app.tenant_id=%q app.tenant_ids=%q, want all empty", user, tenant, ids)
	}
}

// TestViewChecksTheMembershipForEachStatement: every statement of a View
// enters the tenant's context anew, so a member removed during the View
// reads nothing more, and the View answers ErrNotMember.
func TestViewChecksTheMembershipForEachStatement(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	store := postgrestest.OpenURL(t, w.db.AppURL)
	postgrestest.Unfilter(store)

	var second error
	err := store.View(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantTx) error {
		tasks, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 100})
		if err != nil {
			return err
		}
		if got, want := len(tasks), w.tasksB; got != want {
			t.Errorf("before the removal: %d tasks, want %d", got, want)
		}
		update(t, w.store, w.bob, w.orgB, func(tx tenantry.TenantTx) error {
			return tx.RemoveMember(ctx, w.alice.ID)
		})
		tasks, second = tx.Tasks(ctx, tenantry.TaskFilter{Limit: 100})
		if len(tasks) != 0 {
			t.Errorf("after the removal: %d tasks, want none", len(tasks))
		}
		return nil // even if fn swallows the error, the View reports it
	})
	if !errors.Is(second, tenantry.ErrNotMember) {
		t.Errorf("statement after the removal: %v, want ErrNotMember", second)
	}
	if !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("View: %v, want ErrNotMember", err)
	}
}

// TestViewRefusesWrites: no write method of a View's TenantTx changes
// anything.
func TestViewRefusesWrites(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	var task uuid.UUID
	err := w.store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantTx) error {
		tasks, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 1})
		if err != nil || len(tasks) == 0 {
			t.Fatalf("Tasks: %v, %d tasks", err, len(tasks))
		}
		task = tasks[0].ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	title := "written in a View"
	yes := true
	writes := map[string]func(tx tenantry.TenantTx) error{
		"CreateTask": func(tx tenantry.TenantTx) error {
			_, err := tx.CreateTask(ctx, tenantry.NewTask{Title: title})
			return err
		},
		"ReplaceTask": func(tx tenantry.TenantTx) error {
			_, err := tx.ReplaceTask(ctx, task, tenantry.NewTask{Title: title})
			return err
		},
		"PatchTask": func(tx tenantry.TenantTx) error {
			_, err := tx.PatchTask(ctx, task, tenantry.TaskPatch{Title: &title})
			return err
		},
		"DeleteTask":  func(tx tenantry.TenantTx) error { return tx.DeleteTask(ctx, task) },
		"DeleteTasks": func(tx tenantry.TenantTx) error { _, err := tx.DeleteTasks(ctx, &yes); return err },
		"DeleteAll":   func(tx tenantry.TenantTx) error { _, err := tx.DeleteTasks(ctx, nil); return err },
		"AddMember": func(tx tenantry.TenantTx) error {
			_, err := tx.AddMember(ctx, w.carol.ID, tenantry.RoleMember)
			return err
		},
		"SetRole": func(tx tenantry.TenantTx) error {
			_, err := tx.SetRole(ctx, w.alice.ID, tenantry.RoleMember)
			return err
		},
		"RemoveMember": func(tx tenantry.TenantTx) error { return tx.RemoveMember(ctx, w.alice.ID) },
	}
	for name, write := range writes {
		var werr error
		err := w.store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantTx) error {
			werr = write(tx)
			return nil
		})
		if err != nil {
			t.Errorf("%s: View: %v", name, err)
		}
		if werr == nil {
			t.Errorf("%s in a View succeeded, want an error", name)
		}
	}

	err = w.store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantTx) error {
		tasks, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 100})
		if err != nil {
			return err
		}
		if got, want := len(tasks), w.tasksA; got != want {
			t.Errorf("%d tasks after the writes, want %d", got, want)
		}
		for _, task := range tasks {
			if task.Title == title {
				t.Errorf("task %v was written in a View", task.ID)
			}
		}
		members, err := tx.Members(ctx)
		if err != nil {
			return err
		}
		if got, want := len(members), 1; got != want {
			t.Errorf("%d members after the writes, want %d", got, want)
		}
		if got, want := tx.Scope().Role, tenantry.RoleOwner; got != want {
			t.Errorf("alice's role after the writes: %q, want %q", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
