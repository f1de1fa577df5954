package sqlite

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// CreateUser creates an account with its personal tenant (same id), whose
// owner it is. ErrEmailTaken if the email, compared lower-cased, exists.
func (db *DB) CreateUser(ctx context.Context, email, passwordHash string) (tenantry.User, error) {
	u := tenantry.User{
		ID:           db.NewID(),
		Email:        strings.ToLower(email),
		PasswordHash: passwordHash,
		AuthVersion:  1,
		CreatedAt:    db.now(),
	}
	err := inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		err := q.CreateUser(ctx, sqlitedb.CreateUserParams{
			ID:           idBytes(u.ID),
			Email:        u.Email,
			PasswordHash: u.PasswordHash,
			CreatedAt:    micros(u.CreatedAt),
		})
		if isConstraint(err, errUnique) {
			return tenantry.ErrEmailTaken
		} else if err != nil {
			return interpretError("create user", err, nil)
		}
		return createTenant(ctx, q, u.ID, u.ID, tenantry.KindPersonal, u.Email, u.CreatedAt)
	})
	if err != nil {
		return tenantry.User{}, err
	}
	return u, nil
}

// createTenant makes a tenant with user as its owner.
func createTenant(ctx context.Context, q *sqlitedb.Queries, user, tenant uuid.UUID, kind tenantry.TenantKind, name string, now time.Time) error {
	if err := q.CreateTenant(ctx, sqlitedb.CreateTenantParams{
		ID: idBytes(tenant), Kind: string(kind), Name: name, CreatedAt: micros(now),
	}); err != nil {
		return interpretError("create tenant", err, nil)
	}
	if err := q.AddMember(ctx, sqlitedb.AddMemberParams{
		TenantID: idBytes(tenant), UserID: idBytes(user), Role: string(tenantry.RoleOwner), CreatedAt: micros(now),
	}); err != nil {
		return interpretError("create tenant: owner", err, nil)
	}
	return nil
}

// UserByEmail finds an account by email, case-insensitively. ErrUserNotFound.
func (db *DB) UserByEmail(ctx context.Context, email string) (tenantry.User, error) {
	r, err := db.read.queries().UserByEmail(ctx, strings.ToLower(email))
	if err != nil {
		return tenantry.User{}, interpretError("user by email", err, tenantry.ErrUserNotFound)
	}
	return toUser(r), nil
}

// UserByID finds an account. ErrUserNotFound.
func (db *DB) UserByID(ctx context.Context, id uuid.UUID) (tenantry.User, error) {
	r, err := db.read.queries().UserByID(ctx, idBytes(id))
	if err != nil {
		return tenantry.User{}, interpretError("user by id", err, tenantry.ErrUserNotFound)
	}
	return toUser(r), nil
}

// DeleteUser deletes an account with its personal tenant, sessions and
// memberships, unassigning its tasks in the organizations it leaves and
// deleting those it alone belongs to; ErrLastOwner, and nothing deleted, if
// it is the last owner of one with other members. The counts are read and
// acted on in one write transaction, and the membership cache is told
// around its commit.
func (db *DB) DeleteUser(ctx context.Context, id uuid.UUID) error {
	uid := idBytes(id)
	gone := map[uuid.UUID]bool{id: true} // tenants deleted with the user
	match := func(k scopeKey) bool { return k.user == id || gone[k.tenant] }
	begun := false
	defer func() {
		if begun {
			db.scopes.end(match)
		}
	}()
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		ms, err := q.UserMemberships(ctx, uid)
		if err != nil {
			return interpretError("delete user: memberships", err, nil)
		}
		for _, m := range ms {
			if tid := fromBytes(m.TenantID); tid != id && m.Members <= 1 {
				gone[tid] = true
			}
		}
		db.scopes.begin(match)
		begun = true
		now := micros(db.now())
		for _, m := range ms {
			tid := fromBytes(m.TenantID)
			switch {
			case tid == id:
				// The personal tenant goes below, with everything in it.
			case m.Role == string(tenantry.RoleOwner) && m.Owners <= 1 && m.Members > 1:
				return tenantry.ErrLastOwner
			case m.Members <= 1:
				if err := q.DeleteTenant(ctx, m.TenantID); err != nil {
					return interpretError("delete user: delete lone tenant", err, nil)
				}
			default:
				if err := q.UnassignTasks(ctx, sqlitedb.UnassignTasksParams{
					TenantID: m.TenantID, UserID: uid, UpdatedAt: now,
				}); err != nil {
					return interpretError("delete user: unassign tasks", err, nil)
				}
			}
		}
		if err := q.DeleteTenant(ctx, uid); err != nil {
			return interpretError("delete user: personal tenant", err, nil)
		}
		// Cascades to the user's memberships and sessions.
		n, err := q.DeleteUser(ctx, uid)
		if err != nil {
			return interpretError("delete user", err, nil)
		} else if n == 0 {
			return tenantry.ErrUserNotFound
		}
		return nil
	})
}

// SetPassword replaces the password hash, bumps AuthVersion and deletes
// every session of the user, with audit, in one transaction. ErrUserNotFound.
func (db *DB) SetPassword(ctx context.Context, id uuid.UUID, passwordHash string, audit *tenantry.AuditEntry) (tenantry.User, error) {
	var u tenantry.User
	err := inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		r, err := q.SetPassword(ctx, sqlitedb.SetPasswordParams{ID: idBytes(id), PasswordHash: passwordHash})
		if err != nil {
			return interpretError("set password", err, tenantry.ErrUserNotFound)
		}
		if err := q.DeleteUserSessions(ctx, idBytes(id)); err != nil {
			return interpretError("set password: delete sessions", err, nil)
		}
		u = toUser(r)
		if audit == nil {
			return nil
		}
		return db.auditAccount(ctx, q, id, *audit)
	})
	return u, err
}

// TokenUser returns the token's user and whether the token id was revoked,
// in one query. ErrUserNotFound if the user is gone.
func (db *DB) TokenUser(ctx context.Context, userID uuid.UUID, tokenID string) (tenantry.User, bool, error) {
	r, err := db.read.queries().TokenUser(ctx, sqlitedb.TokenUserParams{ID: idBytes(userID), TokenID: tokenID})
	if err != nil {
		return tenantry.User{}, false, interpretError("token user", err, tenantry.ErrUserNotFound)
	}
	return toUser(sqlitedb.User{
		ID: r.ID, Email: r.Email, PasswordHash: r.PasswordHash, AuthVersion: r.AuthVersion, CreatedAt: r.CreatedAt,
	}), r.Revoked, nil
}

// RevokeToken records that a token id no longer works, and drops the
// entries whose tokens have expired anyway, with audit.
func (db *DB) RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time, audit *tenantry.AuditEntry) error {
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		if err := q.RevokeToken(ctx, sqlitedb.RevokeTokenParams{
			TokenID: tokenID, ExpiresAt: micros(expiresAt),
		}); err != nil {
			return interpretError("revoke token", err, nil)
		}
		if err := q.DeleteExpiredRevocations(ctx, micros(db.now())); err != nil {
			return interpretError("revoke token: prune", err, nil)
		}
		if audit == nil {
			return nil
		}
		return db.auditAccount(ctx, q, audit.ActorUserID, *audit)
	})
}
