package postgres

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// CreateUser creates an account and its personal tenant, in one transaction.
func (db *DB) CreateUser(ctx context.Context, email, passwordHash string) (tenantry.User, error) {
	var u tenantry.User
	err := db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		q := db.queries(tx)
		now := db.now()
		row, err := q.CreateUser(ctx, pgdb.CreateUserParams{
			ID: db.NewID(), Email: strings.ToLower(email), PasswordHash: passwordHash, CreatedAt: now,
		})
		if err != nil {
			return interpretError("create user", err, nil)
		}
		if err := createTenant(ctx, tx, row.ID, row.ID, tenantry.KindPersonal, row.Email, now); err != nil {
			return err
		}
		u = toUser(row)
		return nil
	})
	return u, err
}

// createTenant makes a tenant with user as its owner, through the
// create_tenant function, and leaves tx in the new tenant's context.
func createTenant(ctx context.Context, tx pgx.Tx, user, tenant uuid.UUID, kind tenantry.TenantKind, name string, now time.Time) error {
	_, err := tx.Exec(ctx, `SELECT create_tenant($1, $2, $3, $4, $5)`, user, tenant, string(kind), name, now)
	if err != nil {
		return interpretError("create tenant", err, nil)
	}
	return nil
}

// UserByEmail finds an account by email, case-insensitively.
func (db *DB) UserByEmail(ctx context.Context, email string) (tenantry.User, error) {
	row, err := db.queries(db.pool).UserByEmail(ctx, strings.ToLower(email))
	if err != nil {
		return tenantry.User{}, interpretError("user by email", err, tenantry.ErrUserNotFound)
	}
	return toUser(row), nil
}

// UserByID finds an account.
func (db *DB) UserByID(ctx context.Context, id uuid.UUID) (tenantry.User, error) {
	row, err := db.queries(db.pool).UserByID(ctx, id)
	if err != nil {
		return tenantry.User{}, interpretError("user by id", err, tenantry.ErrUserNotFound)
	}
	return toUser(row), nil
}

// DeleteUser deletes an account with everything it alone owns. Each tenant
// the user belongs to is entered through tenant_context, so row-level
// security applies to this path as to every other.
func (db *DB) DeleteUser(ctx context.Context, id uuid.UUID) error {
	db.scopes.dropUser(id)
	defer db.scopes.dropUser(id) // a View may have remembered one in between
	return db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		q := db.queries(tx)
		if err := db.sequential(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT user_context($1)`, id); err != nil {
			return interpretError("delete user", err, nil)
		}
		tenants, err := q.UserMemberships(ctx, id)
		if err != nil {
			return interpretError("delete user", err, nil)
		}
		now := db.now()
		// tenants are ordered by creation, so concurrent deletions lock
		// them in the same order.
		for _, t := range tenants {
			if _, _, err := tenantContext(ctx, tx, id, t.ID); err != nil {
				return err
			}
			if _, err := q.LockTenant(ctx, t.ID); err != nil {
				return interpretError("delete user: lock tenant", err, nil)
			}
			count, err := q.CountMembers(ctx, t.ID)
			if err != nil {
				return interpretError("delete user", err, nil)
			}
			if count.Members <= 1 {
				// Its personal tenant, or an organization it alone belongs to.
				if _, err := q.DeleteTenant(ctx, t.ID); err != nil {
					return interpretError("delete user: delete tenant", err, nil)
				}
				continue
			}
			if tenantry.Role(t.Role) == tenantry.RoleOwner && count.Owners <= 1 {
				return tenantry.ErrLastOwner
			}
			if err := q.UnassignTasks(ctx, pgdb.UnassignTasksParams{TenantID: t.ID, UserID: &id, UpdatedAt: now}); err != nil {
				return interpretError("delete user: unassign", err, nil)
			}
			if _, err := q.RemoveMember(ctx, pgdb.RemoveMemberParams{TenantID: t.ID, UserID: id}); err != nil {
				return interpretError("delete user: remove membership", err, nil)
			}
		}
		n, err := q.DeleteUser(ctx, id)
		if err != nil {
			return interpretError("delete user", err, nil)
		} else if n == 0 {
			return tenantry.ErrUserNotFound
		}
		return db.announce(ctx, tx, "user:"+id.String())
	})
}

// SetPassword replaces the password hash, bumps AuthVersion and ends every
// session of the user, with audit.
func (db *DB) SetPassword(ctx context.Context, id uuid.UUID, passwordHash string, audit *tenantry.AuditEntry) (tenantry.User, error) {
	var u tenantry.User
	err := db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		q := db.queries(tx)
		row, err := q.SetPassword(ctx, pgdb.SetPasswordParams{ID: id, PasswordHash: passwordHash})
		if err != nil {
			return interpretError("set password", err, tenantry.ErrUserNotFound)
		}
		if err := q.DeleteUserSessions(ctx, id); err != nil {
			return interpretError("set password", err, nil)
		}
		u = toUser(row)
		if audit != nil {
			if err := db.auditAccount(ctx, tx, id, *audit); err != nil {
				return err
			}
		}
		return db.announce(ctx, tx, "user:"+id.String())
	})
	return u, err
}

// TokenUser returns the user of a bearer token and whether the token id was
// revoked, in one query.
func (db *DB) TokenUser(ctx context.Context, userID uuid.UUID, tokenID string) (tenantry.User, bool, error) {
	row, err := db.queries(db.pool).TokenUser(ctx, pgdb.TokenUserParams{ID: userID, TokenID: tokenID})
	if err != nil {
		return tenantry.User{}, false, interpretError("token user", err, tenantry.ErrUserNotFound)
	}
	u := tenantry.User{
		ID: row.ID, Email: row.Email, PasswordHash: row.PasswordHash,
		AuthVersion: row.AuthVersion, CreatedAt: row.CreatedAt.UTC(),
	}
	return u, row.Revoked, nil
}

// RevokeToken records a revoked token id, and drops revocations of tokens
// that have expired since, with audit.
func (db *DB) RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time, audit *tenantry.AuditEntry) error {
	return db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		q := db.queries(tx)
		if err := q.DeleteExpiredRevocations(ctx, db.now()); err != nil {
			return interpretError("revoke token", err, nil)
		}
		err := q.RevokeToken(ctx, pgdb.RevokeTokenParams{TokenID: tokenID, ExpiresAt: expiresAt.UTC().Truncate(time.Microsecond)})
		if err != nil {
			return interpretError("revoke token", err, nil)
		}
		if audit != nil {
			if err := db.auditAccount(ctx, tx, audit.ActorUserID, *audit); err != nil {
				return err
			}
		}
		return db.announce(ctx, tx, "token:"+tokenID)
	})
}

func toUser(r pgdb.User) tenantry.User {
	return tenantry.User{
		ID: r.ID, Email: r.Email, PasswordHash: r.PasswordHash,
		AuthVersion: r.AuthVersion, CreatedAt: r.CreatedAt.UTC(),
	}
}
