package postgres

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// View runs fn in the tenant's context, reading only. There is no explicit
// transaction: every statement fn runs goes to the server in one batch
// behind a tenant_context call of its own (one round trip, one Sync), so the
// two share PostgreSQL's implicit transaction: the context's SET LOCALs apply
// to the statement and end with it at the Sync. Each statement reads its own
// snapshot and checks the membership anew; one that finds it gone makes the
// View return ErrNotMember, whatever fn made of the error.
//
// fn's Scope comes from the scope cache when the member is known there, and
// then the View costs no round trip of its own: a get is one round trip, as
// the bare statement is. The cache is a hint, confirmed by fn's first
// statement (or, if fn ran none, by a tenant_context call after it): a
// member removed meanwhile gets ErrNotMember, and a role or kind that
// changed meanwhile makes the View run fn again, asking first. Otherwise,
// and always for a non-member, a tenant_context call alone (one round trip)
// checks the membership first, and fn never runs for a non-member.
func (db *DB) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantTx) error) error {
	return db.inScope(ctx, userID, tenantID, false, func(c *scopedConn) error {
		return fn(viewTx{&tenantTx{db: db, q: db.queries(c), scope: c.scope, view: c}})
	})
}

// viewTx is a View's TenantTx: its write methods refuse to run. The View has
// no transaction that could be made read-only, so the refusal is the store's.
type viewTx struct{ *tenantTx }

// readOnlyError is the error of a write method called in a View.
func readOnlyError(method string) error {
	return fmt.Errorf("postgres: %s in a read-only View", method)
}

func (viewTx) CreateTask(context.Context, tenantry.NewTask) (tenantry.Task, error) {
	return tenantry.Task{}, readOnlyError("CreateTask")
}

func (viewTx) ReplaceTask(context.Context, uuid.UUID, tenantry.NewTask) (tenantry.Task, error) {
	return tenantry.Task{}, readOnlyError("ReplaceTask")
}

func (viewTx) PatchTask(context.Context, uuid.UUID, tenantry.TaskPatch) (tenantry.Task, error) {
	return tenantry.Task{}, readOnlyError("PatchTask")
}

func (viewTx) DeleteTask(context.Context, uuid.UUID) error { return readOnlyError("DeleteTask") }

func (viewTx) DeleteTasks(context.Context, *bool) (int64, error) {
	return 0, readOnlyError("DeleteTasks")
}

func (viewTx) AddMember(context.Context, uuid.UUID, tenantry.Role) (tenantry.Member, error) {
	return tenantry.Member{}, readOnlyError("AddMember")
}

func (viewTx) SetRole(context.Context, uuid.UUID, tenantry.Role) (tenantry.Member, error) {
	return tenantry.Member{}, readOnlyError("SetRole")
}

func (viewTx) RemoveMember(context.Context, uuid.UUID) error { return readOnlyError("RemoveMember") }
