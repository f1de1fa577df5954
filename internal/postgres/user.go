package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/pgdb"
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
			return mapError(err)
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
		return fmt.Errorf("postgres: create tenant: %w", mapError(err))
	}
	return nil
}

// UserByEmail finds an account by email, case-insensitively.
func (db *DB) UserByEmail(ctx context.Context, email string) (tenantry.User, error) {
	row, err := db.queries(db.pool).UserByEmail(ctx, strings.ToLower(email))
	if errors.Is(err, pgx.ErrNoRows) {
		return tenantry.User{}, tenantry.ErrUserNotFound
	} else if err != nil {
		return tenantry.User{}, fmt.Errorf("postgres: user by email: %w", err)
	}
	return toUser(row), nil
}

// UserByID finds an account.
func (db *DB) UserByID(ctx context.Context, id uuid.UUID) (tenantry.User, error) {
	row, err := db.queries(db.pool).UserByID(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return tenantry.User{}, tenantry.ErrUserNotFound
	} else if err != nil {
		return tenantry.User{}, fmt.Errorf("postgres: user by id: %w", err)
	}
	return toUser(row), nil
}

// SetPassword replaces the password hash, bumps AuthVersion and ends every
// session of the user.
func (db *DB) SetPassword(ctx context.Context, id uuid.UUID, passwordHash string) (tenantry.User, error) {
	var u tenantry.User
	err := db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		q := db.queries(tx)
		row, err := q.SetPassword(ctx, pgdb.SetPasswordParams{ID: id, PasswordHash: passwordHash})
		if errors.Is(err, pgx.ErrNoRows) {
			return tenantry.ErrUserNotFound
		} else if err != nil {
			return fmt.Errorf("postgres: set password: %w", err)
		}
		if err := q.DeleteUserSessions(ctx, id); err != nil {
			return fmt.Errorf("postgres: set password: %w", err)
		}
		u = toUser(row)
		return nil
	})
	return u, err
}

// DeleteUser deletes an account with everything it alone owns. Each tenant
// the user belongs to is entered through tenant_context, so row-level
// security applies to this path as to every other.
func (db *DB) DeleteUser(ctx context.Context, id uuid.UUID) error {
	db.scopes.dropUser(id)
	defer db.scopes.dropUser(id) // a View may have remembered one in between
	return db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		q := db.queries(tx)
		if _, err := tx.Exec(ctx, `SELECT user_context($1)`, id); err != nil {
			return fmt.Errorf("postgres: delete user: %w", err)
		}
		tenants, err := q.UserMemberships(ctx, id)
		if err != nil {
			return fmt.Errorf("postgres: delete user: %w", err)
		}
		now := db.now()
		// tenants are ordered by creation, so concurrent deletions lock
		// them in the same order.
		for _, t := range tenants {
			if _, _, err := tenantContext(ctx, tx, id, t.ID); err != nil {
				return err
			}
			if _, err := q.LockTenant(ctx, t.ID); err != nil {
				return fmt.Errorf("postgres: delete user: lock tenant: %w", err)
			}
			count, err := q.CountMembers(ctx, t.ID)
			if err != nil {
				return fmt.Errorf("postgres: delete user: %w", err)
			}
			if count.Members <= 1 {
				// Its personal tenant, or an organization it alone belongs to.
				if _, err := q.DeleteTenant(ctx, t.ID); err != nil {
					return fmt.Errorf("postgres: delete user: delete tenant: %w", err)
				}
				continue
			}
			if tenantry.Role(t.Role) == tenantry.RoleOwner && count.Owners <= 1 {
				return tenantry.ErrLastOwner
			}
			if err := q.UnassignTasks(ctx, pgdb.UnassignTasksParams{TenantID: t.ID, UserID: &id, UpdatedAt: now}); err != nil {
				return fmt.Errorf("postgres: delete user: unassign: %w", err)
			}
			if _, err := q.RemoveMember(ctx, pgdb.RemoveMemberParams{TenantID: t.ID, UserID: id}); err != nil {
				return fmt.Errorf("postgres: delete user: remove membership: %w", err)
			}
		}
		n, err := q.DeleteUser(ctx, id)
		if err != nil {
			return fmt.Errorf("postgres: delete user: %w", err)
		} else if n == 0 {
			return tenantry.ErrUserNotFound
		}
		return nil
	})
}

// TokenUser returns the user of a bearer token and whether the token id was
// revoked, in one query.
func (db *DB) TokenUser(ctx context.Context, userID uuid.UUID, tokenID string) (tenantry.User, bool, error) {
	row, err := db.queries(db.pool).TokenUser(ctx, pgdb.TokenUserParams{ID: userID, TokenID: tokenID})
	if errors.Is(err, pgx.ErrNoRows) {
		return tenantry.User{}, false, tenantry.ErrUserNotFound
	} else if err != nil {
		return tenantry.User{}, false, fmt.Errorf("postgres: token user: %w", err)
	}
	u := tenantry.User{
		ID: row.ID, Email: row.Email, PasswordHash: row.PasswordHash,
		AuthVersion: row.AuthVersion, CreatedAt: row.CreatedAt.UTC(),
	}
	return u, row.Revoked, nil
}

// RevokeToken records a revoked token id, and drops revocations of tokens
// that have expired since.
func (db *DB) RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time) error {
	return db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		q := db.queries(tx)
		if err := q.DeleteExpiredRevocations(ctx, db.now()); err != nil {
			return fmt.Errorf("postgres: revoke token: %w", err)
		}
		err := q.RevokeToken(ctx, pgdb.RevokeTokenParams{TokenID: tokenID, ExpiresAt: expiresAt.UTC().Truncate(time.Microsecond)})
		if err != nil {
			return fmt.Errorf("postgres: revoke token: %w", err)
		}
		return nil
	})
}

func toUser(r pgdb.User) tenantry.User {
	return tenantry.User{
		ID: r.ID, Email: r.Email, PasswordHash: r.PasswordHash,
		AuthVersion: r.AuthVersion, CreatedAt: r.CreatedAt.UTC(),
	}
}
