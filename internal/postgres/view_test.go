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
	err := store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantAccess) error {
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
		members, err := tx.Members(ctx, tenantry.Page{})
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
	err := store.View(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) error {
		tasks, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 100})
		if err != nil {
			return err
		}
		if got, want := len(tasks), w.tasksB; got != want {
			t.Errorf("before the removal: %d tasks, want %d", got, want)
		}
		update(t, w.store, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
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

// TestViewRefusesWrites: no write method of a View's TenantAccess changes
// anything.
func TestViewRefusesWrites(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	var task uuid.UUID
	err := w.store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantAccess) error {
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
	writes := map[string]func(tx tenantry.TenantAccess) error{
		"CreateTask": func(tx tenantry.TenantAccess) error {
			_, err := tx.CreateTask(ctx, tenantry.NewTask{Title: title})
			return err
		},
		"ReplaceTask": func(tx tenantry.TenantAccess) error {
			_, err := tx.ReplaceTask(ctx, task, tenantry.NewTask{Title: title})
			return err
		},
		"PatchTask": func(tx tenantry.TenantAccess) error {
			_, err := tx.PatchTask(ctx, task, tenantry.TaskPatch{Title: &title})
			return err
		},
		"DeleteTask":  func(tx tenantry.TenantAccess) error { return tx.DeleteTask(ctx, task) },
		"DeleteTasks": func(tx tenantry.TenantAccess) error { _, err := tx.DeleteTasks(ctx, &yes); return err },
		"DeleteAll":   func(tx tenantry.TenantAccess) error { _, err := tx.DeleteTasks(ctx, nil); return err },
		"AddMember": func(tx tenantry.TenantAccess) error {
			_, err := tx.AddMember(ctx, w.carol.ID, tenantry.RoleMember)
			return err
		},
		"SetRole": func(tx tenantry.TenantAccess) error {
			_, err := tx.SetRole(ctx, w.alice.ID, tenantry.RoleMember)
			return err
		},
		"RemoveMember": func(tx tenantry.TenantAccess) error { return tx.RemoveMember(ctx, w.alice.ID) },
	}
	for name, write := range writes {
		var werr error
		err := w.store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantAccess) error {
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

	err = w.store.View(ctx, w.alice.ID, w.orgA, func(tx tenantry.TenantAccess) error {
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
		members, err := tx.Members(ctx, tenantry.Page{})
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

// replicas returns the world's store, which has just read orgB as alice (so
// it remembers her membership), and a second store on the same database: a
// second replica of the server.
func replicas(t *testing.T, w *world) (a, b *postgres.DB) {
	t.Helper()
	calls := 0
	err := w.store.View(t.Context(), w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) error {
		calls++
		if got := tx.Scope().Role; got != tenantry.RoleMember {
			t.Errorf("alice's role in B: %q, want member", got)
		}
		_, err := tx.Tasks(t.Context(), tenantry.TaskFilter{Limit: 1})
		return err
	})
	if err != nil || calls != 1 {
		t.Fatalf("alice's first View of B: %v, fn ran %d times", err, calls)
	}
	return w.store, postgrestest.OpenURL(t, w.db.AppURL)
}

// TestViewHintOfARemovedMemberLetsNothingThrough: replica a remembers
// alice's membership of B; replica b removes her. a's next View runs fn on
// the remembered scope, but its statement fails in the database, nothing is
// read, and the View answers ErrNotMember; the one after that asks first.
func TestViewHintOfARemovedMemberLetsNothingThrough(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	a, b := replicas(t, w)
	update(t, b, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
		return tx.RemoveMember(ctx, w.alice.ID)
	})

	calls := 0
	var read []tenantry.Task
	var readErr error
	err := a.View(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) error {
		calls++
		read, readErr = tx.Tasks(ctx, tenantry.TaskFilter{Limit: 100})
		return nil // even if fn swallows the error, the View reports it
	})
	if calls != 1 {
		t.Fatalf("fn ran %d times on the remembered scope, want 1 (the test needs the hint)", calls)
	}
	if !errors.Is(readErr, tenantry.ErrNotMember) || len(read) != 0 {
		t.Errorf("read on the stale hint: %d tasks, %v; want none, ErrNotMember", len(read), readErr)
	}
	if !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("View on the stale hint: %v, want ErrNotMember", err)
	}

	calls = 0
	err = a.View(ctx, w.alice.ID, w.orgB, func(tenantry.TenantAccess) error { calls++; return nil })
	if !errors.Is(err, tenantry.ErrNotMember) || calls != 0 {
		t.Errorf("next View: %v, fn ran %d times; want ErrNotMember and fn never run", err, calls)
	}
	// The victim's tasks are all there.
	if got := len(allTasks(t, b, w.bob, w.orgB)); got != w.tasksB {
		t.Errorf("B has %d tasks, want %d", got, w.tasksB)
	}
}

// TestViewHintWithoutAStatementIsConfirmed: a fn that runs no statement
// cannot make a stale hint count: the View confirms it after fn.
func TestViewHintWithoutAStatementIsConfirmed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	a, b := replicas(t, w)
	update(t, b, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
		return tx.RemoveMember(ctx, w.alice.ID)
	})
	calls := 0
	err := a.View(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) error {
		calls++
		if got := tx.Scope().Role; got != tenantry.RoleMember {
			t.Errorf("hinted role %q, want member", got)
		}
		return nil
	})
	if calls != 1 {
		t.Fatalf("fn ran %d times, want 1 (the test needs the hint)", calls)
	}
	if !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("View: %v, want ErrNotMember", err)
	}
}

// TestViewHintOfAChangedRoleRunsFnAgain: replica b promotes alice, then
// demotes her again; each time, replica a's View ends with the role the
// database has, whether fn's first statement or the check after fn finds
// the change.
func TestViewHintOfAChangedRoleRunsFnAgain(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	a, b := replicas(t, w)
	setRole := func(r tenantry.Role) {
		update(t, b, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
			_, err := tx.SetRole(ctx, w.alice.ID, r)
			return err
		})
	}

	// A statement finds the change.
	setRole(tenantry.RoleAdmin)
	var roles []tenantry.Role
	err := a.View(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) error {
		tasks, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 100})
		roles = append(roles, tx.Scope().Role)
		if err == nil && len(tasks) != w.tasksB {
			t.Errorf("read %d tasks, want %d", len(tasks), w.tasksB)
		}
		return err
	})
	if err != nil {
		t.Fatalf("View after the promotion: %v", err)
	}
	if len(roles) != 2 || roles[1] != tenantry.RoleAdmin {
		t.Errorf("roles seen by fn: %v, want a second run that sees admin", roles)
	}

	// fn decides on the role before any statement: the check after it
	// finds the change, and the second run decides again.
	setRole(tenantry.RoleMember)
	forbidden := errors.New("forbidden")
	roles = nil
	err = a.View(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) error {
		roles = append(roles, tx.Scope().Role)
		if !tx.Scope().Role.AtLeast(tenantry.RoleAdmin) {
			return forbidden
		}
		return nil
	})
	if !errors.Is(err, forbidden) {
		t.Errorf("View after the demotion: %v, want fn's refusal of a member", err)
	}
	if len(roles) != 2 || roles[0] != tenantry.RoleAdmin || roles[1] != tenantry.RoleMember {
		t.Errorf("roles seen by fn: %v, want [admin member]", roles)
	}
}

// allTasks reads every task of tenant as u.
func allTasks(t *testing.T, s tenantry.Store, u tenantry.User, tenant uuid.UUID) []tenantry.Task {
	t.Helper()
	var tasks []tenantry.Task
	err := s.View(t.Context(), u.ID, tenant, func(tx tenantry.TenantAccess) (err error) {
		tasks, err = tx.Tasks(t.Context(), tenantry.TaskFilter{Limit: tenantry.MaxPageSize})
		return err
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return tasks
}
