package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// CreateOrg creates an organization with owner as its first owner.
func (db *DB) CreateOrg(ctx context.Context, owner uuid.UUID, name string) (tenantry.OrgMembership, error) {
	return db.createOrg(ctx, owner, name, nil)
}

// CreateOrgOnce is CreateOrg with r's key claimed in owner's personal
// tenant in the same transaction. ErrUserNotFound if owner has no account.
func (db *DB) CreateOrgOnce(ctx context.Context, owner uuid.UUID, name string, r tenantry.IdempotentRequest) (tenantry.OrgMembership, error) {
	r.UserID = owner // the personal tenant's keys are its owner's
	return db.createOrg(ctx, owner, name, &r)
}

// createOrg creates the organization, once per key when r is not nil:
// tenant_context enters owner's personal tenant for the claim and its
// answer, which is known before the organization exists (its id and time
// are chosen here), and create_tenant then enters the new organization. A
// key already used commits nothing but the claim's forgetting of expired
// keys.
func (db *DB) createOrg(ctx context.Context, owner uuid.UUID, name string, r *tenantry.IdempotentRequest) (tenantry.OrgMembership, error) {
	var m tenantry.OrgMembership
	err := db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		org := tenantry.Tenant{ID: db.NewID(), Kind: tenantry.KindOrg, Name: name, CreatedAt: db.now()}
		m = tenantry.OrgMembership{Org: org, Role: tenantry.RoleOwner}
		if r != nil {
			if _, err := tx.Exec(ctx, `SELECT tenant_context($1, $1)`, owner); err != nil {
				if err := contextError(err); !errors.Is(err, tenantry.ErrNotMember) {
					return err
				}
				return tenantry.ErrUserNotFound // no personal tenant: no account
			}
			q := db.queries(tx)
			prior, found, err := claimKey(ctx, q, org.CreatedAt, owner, *r)
			if err != nil {
				return err
			}
			if found {
				m, err = prior.Org()
				return err
			}
			a, err := tenantry.OrgAnswer(m)
			if err != nil {
				return err
			}
			if err := setAnswer(ctx, q, owner, *r, a); err != nil {
				return err
			}
		}
		return createTenant(ctx, tx, owner, org.ID, org.Kind, org.Name, org.CreatedAt)
	})
	if err != nil {
		return tenantry.OrgMembership{}, err
	}
	return m, nil
}

// UserOrgs returns one page of the user's organizations, oldest first,
// tie-broken by id, in a user-level context (user_context): the user's own
// memberships and their tenants.
func (db *DB) UserOrgs(ctx context.Context, userID uuid.UUID, p tenantry.Page) ([]tenantry.OrgMembership, error) {
	var orgs []tenantry.OrgMembership
	err := db.tx(ctx, readOnly, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT user_context($1)`, userID); err != nil {
			return interpretError("user orgs", err, nil)
		}
		q := db.queries(tx)
		lim := int32(p.PageLimit())
		var (
			rows []pgdb.UserOrgsRow
			err  error
		)
		if p.After == nil {
			rows, err = q.UserOrgs(ctx, pgdb.UserOrgsParams{UserID: userID, Lim: lim})
		} else {
			var after []pgdb.UserOrgsAfterRow
			after, err = q.UserOrgsAfter(ctx, pgdb.UserOrgsAfterParams{UserID: userID, After: *p.After, Lim: lim})
			for _, r := range after {
				rows = append(rows, pgdb.UserOrgsRow(r))
			}
		}
		if err != nil {
			return interpretError("user orgs", err, nil)
		}
		orgs = make([]tenantry.OrgMembership, 0, len(rows))
		for _, r := range rows {
			orgs = append(orgs, tenantry.OrgMembership{
				Org:  tenantry.Tenant{ID: r.ID, Kind: tenantry.KindOrg, Name: r.Name, CreatedAt: r.CreatedAt.UTC()},
				Role: tenantry.Role(r.Role),
			})
		}
		return nil
	})
	return orgs, err
}

// View runs fn in the tenant's context, reading only, with no explicit
// transaction: each statement goes in one batch behind a tenant_context
// call of its own (one round trip), so each checks the membership anew. The
// Scope is the scope cache's hint when there is one, confirmed by fn's first
// statement (docs/design.md, "Wall two").
func (db *DB) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	return db.inScope(ctx, userID, tenantID, false, func(c *scopedConn) error {
		return fn(viewTx{c.access(db)})
	})
}

// viewTx is a View's TenantAccess: its write methods refuse to run. The View has
// no transaction that could be made read-only, so the refusal is the store's.
type viewTx struct{ *tenantTx }

// readOnlyError is the error of a write method called in a View.
func readOnlyError(method string) error {
	return fmt.Errorf("postgres: %s in a read-only View", method)
}

func (viewTx) CreateTask(context.Context, tenantry.NewTask) (tenantry.Task, error) {
	return tenantry.Task{}, readOnlyError("CreateTask")
}

func (viewTx) ClaimIdempotencyKey(context.Context, tenantry.IdempotentRequest) (tenantry.IdempotentAnswer, bool, error) {
	return tenantry.IdempotentAnswer{}, false, readOnlyError("ClaimIdempotencyKey")
}

func (viewTx) SetIdempotentAnswer(context.Context, tenantry.IdempotentRequest, tenantry.IdempotentAnswer) error {
	return readOnlyError("SetIdempotentAnswer")
}

func (viewTx) TaskForUpdate(context.Context, uuid.UUID) (tenantry.Task, error) {
	return tenantry.Task{}, readOnlyError("TaskForUpdate")
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

func (viewTx) CreateInvitation(context.Context, tenantry.NewInvitation) (tenantry.Invitation, error) {
	return tenantry.Invitation{}, readOnlyError("CreateInvitation")
}

func (viewTx) RevokeInvitation(context.Context, uuid.UUID) error {
	return readOnlyError("RevokeInvitation")
}

func (viewTx) RemoveMember(context.Context, uuid.UUID) error { return readOnlyError("RemoveMember") }

// Update runs fn in one read-write transaction in the tenant's context.
// [BEGIN; tenant_context] go in one batch, with fn's first statement when
// the scope cache has a hint, so that a one-statement write costs two round
// trips; a stale hint is found before anything commits, the transaction is
// rolled back and fn runs again, asking first.
func (db *DB) Update(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	return db.inScope(ctx, userID, tenantID, true, func(c *scopedConn) error {
		tx := c.access(db)
		// Memberships this transaction changed are forgotten again once it
		// ended: a View may have remembered the old one in between.
		defer func() { db.scopes.drop(tx.changed...) }()
		if err := fn(tx); err != nil || c.err != nil {
			return err // once reports c.err, and rolls back what fn began
		}
		// A fn that ran no statement on a hint has it confirmed here, in a
		// transaction whose COMMIT carries resetContext like every other.
		if c.check(); c.err != nil {
			return nil // once reports it
		}
		return c.commit()
	})
}

// tenantContext calls tenant_context, as a statement of its own, inside a
// transaction that is already open (DeleteUser enters several tenants).
// insufficient_privilege (not a member, or no such tenant) is ErrNotMember.
func tenantContext(ctx context.Context, tx pgx.Tx, userID, tenantID uuid.UUID) (tenantry.Role, tenantry.TenantKind, error) {
	var role, kind string
	err := tx.QueryRow(ctx, contextSQL, userID, tenantID).Scan(&role, &kind)
	if err != nil {
		return "", "", contextError(err)
	}
	return tenantry.Role(role), tenantry.TenantKind(kind), nil
}

// tenantTx is one transaction in one tenant. Every query names the tenant
// (wall one); the transaction's context makes the database refuse every
// other tenant's rows (wall two).
type tenantTx struct {
	db    *DB
	q     *pgdb.Queries
	scope tenantry.Scope // in a View, UserID and TenantID only: see view
	view  *scopedConn    // set in a View, which learns Role and Kind lazily

	changed []scopeKey // memberships changed, for db.scopes
}

// changing records that the membership of userID changes, and forgets it
// in the scope cache now (and again when the transaction ends).
func (t *tenantTx) changing(userID uuid.UUID) {
	k := scopeKey{tenant: t.scope.TenantID, user: userID}
	t.changed = append(t.changed, k)
	t.db.scopes.drop(k)
}

// Scope says whose transaction this is.
func (t *tenantTx) Scope() tenantry.Scope {
	if t.view != nil {
		return t.view.Scope()
	}
	return t.scope
}

// Tenant returns the tenant itself.
func (t *tenantTx) Tenant(ctx context.Context) (tenantry.Tenant, error) {
	r, err := t.q.Tenant(ctx, t.scope.TenantID)
	if err != nil {
		return tenantry.Tenant{}, interpretError("tenant", err, tenantry.ErrNotMember)
	}
	return tenantry.Tenant{ID: r.ID, Kind: tenantry.TenantKind(r.Kind), Name: r.Name, CreatedAt: r.CreatedAt.UTC()}, nil
}
