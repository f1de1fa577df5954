package sqlite

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitedb"
)

// CreateOrg creates an organization with owner as its first owner.
// ErrUserNotFound if owner has no account.
func (db *DB) CreateOrg(ctx context.Context, owner uuid.UUID, name string) (tenantry.OrgMembership, error) {
	org := tenantry.Tenant{ID: db.NewID(), Kind: tenantry.KindOrg, Name: name, CreatedAt: db.now()}
	err := inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		if _, err := q.UserByID(ctx, idBytes(owner)); err != nil {
			return wrap("create org: owner", notFound(err, tenantry.ErrUserNotFound))
		}
		if err := q.CreateTenant(ctx, sqlitedb.CreateTenantParams{
			ID: idBytes(org.ID), Kind: string(org.Kind), Name: org.Name, CreatedAt: micros(org.CreatedAt),
		}); err != nil {
			return fmt.Errorf("sqlite: create org: %w", err)
		}
		if err := q.CreateMembership(ctx, sqlitedb.CreateMembershipParams{
			TenantID: idBytes(org.ID), UserID: idBytes(owner), Role: string(tenantry.RoleOwner),
			CreatedAt: micros(org.CreatedAt),
		}); err != nil {
			return fmt.Errorf("sqlite: create org: owner membership: %w", err)
		}
		return nil
	})
	if err != nil {
		return tenantry.OrgMembership{}, err
	}
	return tenantry.OrgMembership{Org: org, Role: tenantry.RoleOwner}, nil
}

// UserOrgs lists the organizations the user is a member of, with the
// user's role, oldest organization first.
func (db *DB) UserOrgs(ctx context.Context, userID uuid.UUID) ([]tenantry.OrgMembership, error) {
	rows, err := db.read.queries().UserOrgs(ctx, idBytes(userID))
	if err != nil {
		return nil, fmt.Errorf("sqlite: user orgs: %w", err)
	}
	orgs := make([]tenantry.OrgMembership, 0, len(rows))
	for _, r := range rows {
		orgs = append(orgs, tenantry.OrgMembership{
			Org:  tenant(sqlitedb.Tenant{ID: r.ID, Kind: r.Kind, Name: r.Name, CreatedAt: r.CreatedAt}),
			Role: tenantry.Role(r.Role),
		})
	}
	return orgs, nil
}

// View runs fn in a read-only transaction (on the query_only read pool)
// scoped to tenantID, after checking that userID is a member of it.
// ErrNotMember otherwise, the same for a tenant that does not exist.
func (db *DB) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantTx) error) error {
	return db.scoped(ctx, db.read, userID, tenantID, fn)
}

// Update is View in a read-write transaction on the single write
// connection. If fn returns an error, nothing it wrote is kept. fn must not
// call write methods of db itself: they would wait for the connection fn
// holds.
func (db *DB) Update(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantTx) error) error {
	return db.scoped(ctx, db.write, userID, tenantID, fn)
}

func (db *DB) scoped(ctx context.Context, pool *stmtCache, userID, tenantID uuid.UUID, fn func(tenantry.TenantTx) error) error {
	return inTx(ctx, pool, func(q *sqlitedb.Queries) error {
		tid := idBytes(tenantID)
		r, err := q.MembershipScope(ctx, sqlitedb.MembershipScopeParams{TenantID: tid, UserID: idBytes(userID)})
		if err != nil {
			return wrap("membership", notFound(err, tenantry.ErrNotMember))
		}
		return fn(&tenantTx{
			db:  db,
			q:   q,
			tid: tid,
			scope: tenantry.Scope{
				UserID:   userID,
				TenantID: tenantID,
				Kind:     tenantry.TenantKind(r.Kind),
				Role:     tenantry.Role(r.Role),
			},
		})
	})
}

// tenantTx is a TenantTx. Every query it runs takes tid, the checked
// tenant's id, as a parameter; none reaches a task or a membership by its
// own id alone.
type tenantTx struct {
	db    *DB
	q     *sqlitedb.Queries
	tid   []byte
	scope tenantry.Scope
}

var _ tenantry.TenantTx = (*tenantTx)(nil)

// Scope says whose transaction this is.
func (t *tenantTx) Scope() tenantry.Scope { return t.scope }

// Tenant returns the tenant itself.
func (t *tenantTx) Tenant(ctx context.Context) (tenantry.Tenant, error) {
	r, err := t.q.Tenant(ctx, t.tid)
	if err != nil {
		return tenantry.Tenant{}, wrap("tenant", notFound(err, tenantry.ErrNotMember))
	}
	return tenant(r), nil
}
