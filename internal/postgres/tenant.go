package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/pgdb"
)

// CreateOrg creates an organization with owner as its first owner.
func (db *DB) CreateOrg(ctx context.Context, owner uuid.UUID, name string) (tenantry.OrgMembership, error) {
	var m tenantry.OrgMembership
	err := db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		org := tenantry.Tenant{ID: db.NewID(), Kind: tenantry.KindOrg, Name: name, CreatedAt: db.now()}
		if err := createTenant(ctx, tx, owner, org.ID, org.Kind, org.Name, org.CreatedAt); err != nil {
			return err
		}
		m = tenantry.OrgMembership{Org: org, Role: tenantry.RoleOwner}
		return nil
	})
	return m, err
}

// UserOrgs returns one page of the user's organizations, oldest first,
// tie-broken by id, in a user-level context (user_context): the user's own
// memberships and their tenants.
func (db *DB) UserOrgs(ctx context.Context, userID uuid.UUID, p tenantry.Page) ([]tenantry.OrgMembership, error) {
	var orgs []tenantry.OrgMembership
	err := db.tx(ctx, readOnly, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT user_context($1)`, userID); err != nil {
			return fmt.Errorf("postgres: user orgs: %w", err)
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
			return fmt.Errorf("postgres: user orgs: %w", err)
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

// Update runs fn in one read-write transaction in the tenant's context.
// BEGIN and the tenant_context call go to the server in one batch, as
// statements of their own (the context call is never glued to other SQL):
// with fn's first statement when the member's scope is in the scope cache,
// so that a single-statement write costs two round trips, this one and the
// COMMIT's; alone, first, when it is not, and then fn never runs for a
// non-member. COMMIT goes in one batch with resetContext.
//
// The cached scope is a hint that the context call confirms before the
// statement behind it can commit: a member removed meanwhile gets
// ErrNotMember and nothing is written; a role or kind that changed
// meanwhile rolls the transaction back and runs fn again, asking first. A fn
// that ran no statement has its hint confirmed by a context call alone.
func (db *DB) Update(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantTx) error) error {
	return db.inScope(ctx, userID, tenantID, true, func(c *scopedConn) error {
		tx := &tenantTx{db: db, q: db.queries(c), scope: c.scope}
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
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == codeInsufficientPrivilege {
		return "", "", tenantry.ErrNotMember
	} else if err != nil {
		return "", "", fmt.Errorf("postgres: tenant context: %w", err)
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

func (t *tenantTx) Scope() tenantry.Scope {
	if t.view != nil {
		return t.view.Scope()
	}
	return t.scope
}

func (t *tenantTx) Tenant(ctx context.Context) (tenantry.Tenant, error) {
	r, err := t.q.TenantByID(ctx, t.scope.TenantID)
	if errors.Is(err, pgx.ErrNoRows) {
		return tenantry.Tenant{}, tenantry.ErrNotMember
	} else if err != nil {
		return tenantry.Tenant{}, fmt.Errorf("postgres: tenant: %w", err)
	}
	return tenantry.Tenant{ID: r.ID, Kind: tenantry.TenantKind(r.Kind), Name: r.Name, CreatedAt: r.CreatedAt.UTC()}, nil
}

func (t *tenantTx) Members(ctx context.Context, p tenantry.Page) ([]tenantry.Member, error) {
	lim := int32(p.PageLimit())
	var (
		rows []pgdb.MembersRow
		err  error
	)
	if p.After == nil {
		rows, err = t.q.Members(ctx, pgdb.MembersParams{TenantID: t.scope.TenantID, Lim: lim})
	} else {
		var after []pgdb.MembersAfterRow
		after, err = t.q.MembersAfter(ctx, pgdb.MembersAfterParams{TenantID: t.scope.TenantID, After: *p.After, Lim: lim})
		for _, r := range after {
			rows = append(rows, pgdb.MembersRow(r))
		}
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: members: %w", err)
	}
	members := make([]tenantry.Member, 0, len(rows))
	for _, r := range rows {
		members = append(members, tenantry.Member{
			TenantID: r.TenantID, UserID: r.UserID, Email: r.Email,
			Role: tenantry.Role(r.Role), CreatedAt: r.CreatedAt.UTC(),
		})
	}
	return members, nil
}

func (t *tenantTx) Member(ctx context.Context, userID uuid.UUID) (tenantry.Member, error) {
	r, err := t.q.Member(ctx, pgdb.MemberParams{TenantID: t.scope.TenantID, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return tenantry.Member{}, tenantry.ErrMemberNotFound
	} else if err != nil {
		return tenantry.Member{}, fmt.Errorf("postgres: member: %w", err)
	}
	return tenantry.Member{
		TenantID: r.TenantID, UserID: r.UserID, Email: r.Email,
		Role: tenantry.Role(r.Role), CreatedAt: r.CreatedAt.UTC(),
	}, nil
}

func (t *tenantTx) AddMember(ctx context.Context, userID uuid.UUID, role tenantry.Role) (tenantry.Member, error) {
	if !role.Valid() {
		return tenantry.Member{}, tenantry.Errorf(tenantry.EINVALID, "Unknown role.")
	}
	// Users are not tenant data: checking first keeps the transaction
	// usable, where a foreign-key error would abort it.
	u, err := t.q.UserByID(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return tenantry.Member{}, tenantry.ErrUserNotFound
	} else if err != nil {
		return tenantry.Member{}, fmt.Errorf("postgres: add member: %w", err)
	}
	t.changing(userID)
	r, err := t.q.AddMember(ctx, pgdb.AddMemberParams{
		TenantID: t.scope.TenantID, UserID: userID, Role: string(role), CreatedAt: t.db.now(),
	})
	if errors.Is(err, pgx.ErrNoRows) { // ON CONFLICT DO NOTHING
		return tenantry.Member{}, tenantry.ErrAlreadyMember
	} else if err != nil {
		return tenantry.Member{}, fmt.Errorf("postgres: add member: %w", mapError(err))
	}
	return tenantry.Member{
		TenantID: r.TenantID, UserID: r.UserID, Email: u.Email,
		Role: tenantry.Role(r.Role), CreatedAt: r.CreatedAt.UTC(),
	}, nil
}

func (t *tenantTx) SetRole(ctx context.Context, userID uuid.UUID, role tenantry.Role) (tenantry.Member, error) {
	if !role.Valid() {
		return tenantry.Member{}, tenantry.Errorf(tenantry.EINVALID, "Unknown role.")
	}
	m, err := t.lockMember(ctx, userID)
	if err != nil {
		return tenantry.Member{}, err
	}
	if m.Role == tenantry.RoleOwner && role != tenantry.RoleOwner {
		if err := t.checkNotLastOwner(ctx); err != nil {
			return tenantry.Member{}, err
		}
	}
	t.changing(userID)
	r, err := t.q.SetRole(ctx, pgdb.SetRoleParams{TenantID: t.scope.TenantID, UserID: userID, Role: string(role)})
	if errors.Is(err, pgx.ErrNoRows) {
		return tenantry.Member{}, tenantry.ErrMemberNotFound
	} else if err != nil {
		return tenantry.Member{}, fmt.Errorf("postgres: set role: %w", err)
	}
	m.Role = tenantry.Role(r.Role)
	return m, nil
}

func (t *tenantTx) RemoveMember(ctx context.Context, userID uuid.UUID) error {
	m, err := t.lockMember(ctx, userID)
	if err != nil {
		return err
	}
	if m.Role == tenantry.RoleOwner {
		if err := t.checkNotLastOwner(ctx); err != nil {
			return err
		}
	}
	t.changing(userID)
	err = t.q.UnassignTasks(ctx, pgdb.UnassignTasksParams{TenantID: t.scope.TenantID, UserID: &userID, UpdatedAt: t.db.now()})
	if err != nil {
		return fmt.Errorf("postgres: remove member: unassign: %w", err)
	}
	n, err := t.q.RemoveMember(ctx, pgdb.RemoveMemberParams{TenantID: t.scope.TenantID, UserID: userID})
	if err != nil {
		return fmt.Errorf("postgres: remove member: %w", err)
	} else if n == 0 {
		return tenantry.ErrMemberNotFound
	}
	return nil
}

// lockMember locks the tenant row, which serializes every change of roles
// and members in the tenant, and then reads the member: two owners demoting
// each other at once cannot both see the other one still an owner.
func (t *tenantTx) lockMember(ctx context.Context, userID uuid.UUID) (tenantry.Member, error) {
	if _, err := t.q.LockTenant(ctx, t.scope.TenantID); errors.Is(err, pgx.ErrNoRows) {
		return tenantry.Member{}, tenantry.ErrNotMember
	} else if err != nil {
		return tenantry.Member{}, fmt.Errorf("postgres: lock tenant: %w", err)
	}
	return t.Member(ctx, userID)
}

// checkNotLastOwner returns ErrLastOwner unless the tenant has another
// owner. The caller holds the tenant lock.
func (t *tenantTx) checkNotLastOwner(ctx context.Context) error {
	count, err := t.q.CountMembers(ctx, t.scope.TenantID)
	if err != nil {
		return fmt.Errorf("postgres: count owners: %w", err)
	}
	if count.Owners <= 1 {
		return tenantry.ErrLastOwner
	}
	return nil
}
