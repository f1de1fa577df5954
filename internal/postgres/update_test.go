package postgres_test

import (
	"errors"
	"testing"

	"github.com/tenantry/tenantry"
)

// An Update on a remembered scope sends BEGIN and the context call in one
// batch with fn's first statement. These tests make the remembered scope
// stale on another replica and check that nothing is written on it.

// TestUpdateHintOfARemovedMemberWritesNothing: replica b removes alice from
// B; replica a still remembers her membership, so fn runs and its write is
// sent behind the context call, which refuses it.
func TestUpdateHintOfARemovedMemberWritesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	a, b := replicas(t, w)
	update(t, b, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
		return tx.RemoveMember(ctx, w.alice.ID)
	})

	calls := 0
	var writeErr error
	err := a.Update(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) error {
		calls++
		_, writeErr = tx.CreateTask(ctx, tenantry.NewTask{Title: "planted"})
		return nil // even if fn swallows the error, the Update reports it
	})
	if calls != 1 {
		t.Fatalf("fn ran %d times on the remembered scope, want 1 (the test needs the hint)", calls)
	}
	if !errors.Is(writeErr, tenantry.ErrNotMember) {
		t.Errorf("write on the stale hint: %v, want ErrNotMember", writeErr)
	}
	if !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("Update on the stale hint: %v, want ErrNotMember", err)
	}
	calls = 0
	err = a.Update(ctx, w.alice.ID, w.orgB, func(tenantry.TenantAccess) error { calls++; return nil })
	if !errors.Is(err, tenantry.ErrNotMember) || calls != 0 {
		t.Errorf("next Update: %v, fn ran %d times; want ErrNotMember and fn never run", err, calls)
	}
	tasks := allTasks(t, b, w.bob, w.orgB)
	if len(tasks) != w.tasksB {
		t.Errorf("B has %d tasks, want %d", len(tasks), w.tasksB)
	}
	for _, task := range tasks {
		if task.Title == "planted" {
			t.Errorf("the removed member's task is in B: %+v", task)
		}
	}
}

// TestUpdateHintOfADemotedAdminIsRolledBack: replica a remembers alice as
// an admin of B; replica b demotes her. fn decides on the remembered role
// and deletes B's tasks in bulk, which only admins may; the context call in
// front of the DELETE finds the member role, the transaction is rolled
// back, and fn, run again with the current role, refuses.
func TestUpdateHintOfADemotedAdminIsRolledBack(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	a, b := replicas(t, w)
	setRole := func(s tenantry.Store, r tenantry.Role) {
		update(t, s, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
			_, err := tx.SetRole(ctx, w.alice.ID, r)
			return err
		})
	}
	setRole(a, tenantry.RoleAdmin) // a forgets her, and learns the admin role:
	if err := a.View(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) error {
		_, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 1})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	setRole(b, tenantry.RoleMember)

	forbidden := errors.New("forbidden")
	var roles []tenantry.Role
	err := a.Update(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) error {
		roles = append(roles, tx.Scope().Role)
		if !tx.Scope().Role.AtLeast(tenantry.RoleAdmin) {
			return forbidden
		}
		_, err := tx.DeleteTasks(ctx, nil)
		return err
	})
	if !errors.Is(err, forbidden) {
		t.Errorf("Update after the demotion: %v, want fn's refusal of a member", err)
	}
	if len(roles) != 2 || roles[0] != tenantry.RoleAdmin || roles[1] != tenantry.RoleMember {
		t.Errorf("roles seen by fn: %v, want [admin member]", roles)
	}
	if got := len(allTasks(t, b, w.bob, w.orgB)); got != w.tasksB {
		t.Errorf("B has %d tasks after the refused bulk delete, want %d", got, w.tasksB)
	}
}

// TestUpdateHintOfAPromotedMemberIsConfirmed: replica a remembers alice as
// a plain member; replica b promotes her. fn refuses on the remembered role
// before any statement; the check after fn finds the change, and fn, run
// again, does what an admin may.
func TestUpdateHintOfAPromotedMemberIsConfirmed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	a, b := replicas(t, w)
	update(t, b, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
		_, err := tx.SetRole(ctx, w.alice.ID, tenantry.RoleAdmin)
		return err
	})
	forbidden := errors.New("forbidden")
	var roles []tenantry.Role
	var deleted int64
	err := a.Update(ctx, w.alice.ID, w.orgB, func(tx tenantry.TenantAccess) (err error) {
		roles = append(roles, tx.Scope().Role)
		if !tx.Scope().Role.AtLeast(tenantry.RoleAdmin) {
			return forbidden
		}
		deleted, err = tx.DeleteTasks(ctx, nil)
		return err
	})
	if err != nil {
		t.Fatalf("Update after the promotion: %v", err)
	}
	if len(roles) != 2 || roles[1] != tenantry.RoleAdmin || deleted != int64(w.tasksB) {
		t.Errorf("roles seen by fn: %v, deleted %d; want a second run as admin deleting %d", roles, deleted, w.tasksB)
	}
}

// TestUpdateHintWithoutAStatementIsConfirmed: a fn that writes nothing on a
// stale hint still gets the database's answer.
func TestUpdateHintWithoutAStatementIsConfirmed(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	a, b := replicas(t, w)
	update(t, b, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
		return tx.RemoveMember(ctx, w.alice.ID)
	})
	calls := 0
	err := a.Update(ctx, w.alice.ID, w.orgB, func(tenantry.TenantAccess) error { calls++; return nil })
	if calls != 1 {
		t.Fatalf("fn ran %d times, want 1 (the test needs the hint)", calls)
	}
	if !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("Update: %v, want ErrNotMember", err)
	}
}
