package sqlite

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// CreateOrg creates an organization with owner as its first owner.
// ErrUserNotFound if owner has no account.
func (db *DB) CreateOrg(ctx context.Context, owner uuid.UUID, name string) (tenantry.OrgMembership, error) {
	return db.createOrg(ctx, owner, name, nil)
}

// CreateOrgOnce is CreateOrg with r's key claimed in owner's personal
// tenant in the same transaction. ErrUserNotFound if owner has no account.
func (db *DB) CreateOrgOnce(ctx context.Context, owner uuid.UUID, name string, r tenantry.IdempotentRequest) (tenantry.OrgMembership, error) {
	r.UserID = owner // the personal tenant's keys are its owner's
	return db.createOrg(ctx, owner, name, &r)
}

// createOrg creates the organization, once per key when r is not nil: the
// key is claimed in owner's personal tenant (whose id is owner's) with its
// answer, which is known before the organization exists (its id and time
// are chosen here). A key already used commits nothing but the claim's
// forgetting of expired keys.
func (db *DB) createOrg(ctx context.Context, owner uuid.UUID, name string, r *tenantry.IdempotentRequest) (tenantry.OrgMembership, error) {
	org := tenantry.Tenant{ID: db.NewID(), Kind: tenantry.KindOrg, Name: name, CreatedAt: db.now()}
	m := tenantry.OrgMembership{Org: org, Role: tenantry.RoleOwner}
	err := inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		if _, err := q.UserByID(ctx, idBytes(owner)); err != nil {
			return interpretError("create org: owner", err, tenantry.ErrUserNotFound)
		}
		if r != nil {
			prior, found, err := claimKey(ctx, q, org.CreatedAt, idBytes(owner), *r)
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
			if err := setAnswer(ctx, q, idBytes(owner), *r, a); err != nil {
				return err
			}
		}
		return createTenant(ctx, q, owner, org.ID, org.Kind, org.Name, org.CreatedAt)
	})
	if err != nil {
		return tenantry.OrgMembership{}, err
	}
	return m, nil
}

// UserOrgs returns one page of the organizations the user is a member of,
// with the user's role, oldest organization first, tie-broken by id.
func (db *DB) UserOrgs(ctx context.Context, userID uuid.UUID, p tenantry.Page) ([]tenantry.OrgMembership, error) {
	q := db.read.queries()
	limit := int64(p.PageLimit())
	var (
		rows []sqlitedb.UserOrgsRow
		err  error
	)
	if p.After == nil {
		rows, err = q.UserOrgs(ctx, sqlitedb.UserOrgsParams{UserID: idBytes(userID), Limit: limit})
	} else {
		var after []sqlitedb.UserOrgsAfterRow
		after, err = q.UserOrgsAfter(ctx, sqlitedb.UserOrgsAfterParams{UserID: idBytes(userID), After: idBytes(*p.After), Limit: limit})
		for _, r := range after {
			rows = append(rows, sqlitedb.UserOrgsRow(r))
		}
	}
	if err != nil {
		return nil, interpretError("user orgs", err, nil)
	}
	orgs := make([]tenantry.OrgMembership, 0, len(rows))
	for _, r := range rows {
		orgs = append(orgs, tenantry.OrgMembership{
			Org:  toTenant(sqlitedb.Tenant{ID: r.ID, Kind: r.Kind, Name: r.Name, CreatedAt: r.CreatedAt}),
			Role: tenantry.Role(r.Role),
		})
	}
	return orgs, nil
}

// View runs fn scoped to tenantID on the query_only read pool, after
// checking the membership (from the cache, or one query on a miss):
// ErrNotMember otherwise. If a membership changed while fn ran, View checks
// the caller's again before returning, so nothing read after a removal
// leaves View.
func (db *DB) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	k := scopeKey{tenant: tenantID, user: userID}
	e, ok, epoch := db.scopes.get(k)
	if !ok {
		var err error
		if e, err = db.lookupScope(ctx, k); err != nil {
			return err
		}
		db.scopes.put(k, e, epoch)
	}
	err := fn(db.newTenantTx(db.read.queries(), k, e))
	if !db.scopes.stable(epoch) {
		// Some membership changed, or is changing, and was perhaps
		// committed before fn read. Ask the database: a removal committed
		// before fn's reads is committed before this query too.
		if _, lerr := db.lookupScope(ctx, k); lerr != nil {
			return lerr
		}
	}
	return err
}

// lookupScope runs the membership query on the read pool. ErrNotMember.
func (db *DB) lookupScope(ctx context.Context, k scopeKey) (scopeEntry, error) {
	r, err := db.read.queries().MembershipScope(ctx, sqlitedb.MembershipScopeParams{
		TenantID: idBytes(k.tenant), UserID: idBytes(k.user),
	})
	if err != nil {
		return scopeEntry{}, interpretError("membership", err, tenantry.ErrNotMember)
	}
	return scopeEntry{kind: tenantry.TenantKind(r.Kind), role: tenantry.Role(r.Role)}, nil
}

// Update is View in a read-write transaction on the single write
// connection, with the membership read inside it (from the cache when it
// is settled), so that every check-then-write is atomic. fn must not call
// db's own write methods: they would wait for the connection fn holds.
func (db *DB) Update(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	k := scopeKey{tenant: tenantID, user: userID}
	var changed []scopeKey // one per begin
	defer func() {
		for _, k := range changed {
			db.scopes.end(nil, k)
		}
	}()
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		// The membership, read inside the transaction: from the cache when
		// it is settled (see settled), else from the database.
		e, ok := db.scopes.settled(k)
		if !ok {
			r, err := q.MembershipScope(ctx, sqlitedb.MembershipScopeParams{
				TenantID: idBytes(tenantID), UserID: idBytes(userID),
			})
			if err != nil {
				return interpretError("membership", err, tenantry.ErrNotMember)
			}
			e = scopeEntry{kind: tenantry.TenantKind(r.Kind), role: tenantry.Role(r.Role)}
		}
		t := db.newTenantTx(q, k, e)
		t.changed = &changed
		return fn(t)
	})
}

func (db *DB) newTenantTx(q *sqlitedb.Queries, k scopeKey, e scopeEntry) *tenantTx {
	return &tenantTx{
		db:  db,
		q:   q,
		tid: idBytes(k.tenant),
		scope: tenantry.Scope{
			UserID:   k.user,
			TenantID: k.tenant,
			Kind:     e.kind,
			Role:     e.role,
		},
	}
}

// tenantTx is a TenantAccess. Every query it runs takes tid, the checked
// tenant's id, as a parameter; none reaches a task or a membership by its
// own id alone.
type tenantTx struct {
	db    *DB
	q     *sqlitedb.Queries
	tid   []byte
	scope tenantry.Scope
	// changed collects the memberships this Update began to change, one
	// per begin, for Update to end after the transaction; nil in a View.
	changed *[]scopeKey
}

// changing announces to the membership cache that the membership of
// userID in the tenant is about to change; Update ends the announcement
// after its transaction. In a View (query_only, so the write will fail)
// there is nothing to announce.
func (t *tenantTx) changing(userID uuid.UUID) {
	if t.changed == nil {
		return
	}
	k := scopeKey{tenant: t.scope.TenantID, user: userID}
	t.db.scopes.begin(nil, k)
	*t.changed = append(*t.changed, k)
}

var _ tenantry.TenantAccess = (*tenantTx)(nil)

// Scope says whose transaction this is.
func (t *tenantTx) Scope() tenantry.Scope { return t.scope }

// Tenant returns the tenant itself.
func (t *tenantTx) Tenant(ctx context.Context) (tenantry.Tenant, error) {
	r, err := t.q.Tenant(ctx, t.tid)
	if err != nil {
		return tenantry.Tenant{}, interpretError("tenant", err, tenantry.ErrNotMember)
	}
	return toTenant(r), nil
}
