package sqlite

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitedb"
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
			return fmt.Errorf("sqlite: create user: %w", err)
		}
		if err := q.CreateTenant(ctx, sqlitedb.CreateTenantParams{
			ID:        idBytes(u.ID),
			Kind:      string(tenantry.KindPersonal),
			Name:      u.Email,
			CreatedAt: micros(u.CreatedAt),
		}); err != nil {
			return fmt.Errorf("sqlite: create personal tenant: %w", err)
		}
		if err := q.CreateMembership(ctx, sqlitedb.CreateMembershipParams{
			TenantID:  idBytes(u.ID),
			UserID:    idBytes(u.ID),
			Role:      string(tenantry.RoleOwner),
			CreatedAt: micros(u.CreatedAt),
		}); err != nil {
			return fmt.Errorf("sqlite: create personal membership: %w", err)
		}
		return nil
	})
	if err != nil {
		return tenantry.User{}, err
	}
	return u, nil
}

// UserByEmail finds an account by email, case-insensitively. ErrUserNotFound.
func (db *DB) UserByEmail(ctx context.Context, email string) (tenantry.User, error) {
	r, err := db.read.queries().UserByEmail(ctx, strings.ToLower(email))
	if err != nil {
		return tenantry.User{}, wrap("user by email", notFound(err, tenantry.ErrUserNotFound))
	}
	return user(r), nil
}

// UserByID finds an account. ErrUserNotFound.
func (db *DB) UserByID(ctx context.Context, id uuid.UUID) (tenantry.User, error) {
	r, err := db.read.queries().UserByID(ctx, idBytes(id))
	if err != nil {
		return tenantry.User{}, wrap("user by id", notFound(err, tenantry.ErrUserNotFound))
	}
	return user(r), nil
}

// DeleteUser deletes an account with its personal tenant, sessions and
// memberships, unassigning its tasks in the organizations it leaves. An
// organization it alone belongs to is deleted; if it is the last owner of an
// organization with other members, nothing is deleted and the answer is
// ErrLastOwner. ErrUserNotFound if there is no such account.
//
// The owner counts are read and acted on in one transaction on the single
// write connection, so no concurrent change can slip between them.
//
// The membership cache is told of the change to every membership of the
// user and of the tenants deleted with it, before the commit and after it.
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
			return fmt.Errorf("sqlite: delete user: memberships: %w", err)
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
					return fmt.Errorf("sqlite: delete user: delete lone tenant: %w", err)
				}
			default:
				if err := q.UnassignTasks(ctx, sqlitedb.UnassignTasksParams{
					TenantID: m.TenantID, UserID: uid, UpdatedAt: now,
				}); err != nil {
					return fmt.Errorf("sqlite: delete user: unassign tasks: %w", err)
				}
			}
		}
		if err := q.DeleteTenant(ctx, uid); err != nil {
			return fmt.Errorf("sqlite: delete user: personal tenant: %w", err)
		}
		// Cascades to the user's memberships and sessions.
		n, err := q.DeleteUser(ctx, uid)
		if err != nil {
			return fmt.Errorf("sqlite: delete user: %w", err)
		} else if n == 0 {
			return tenantry.ErrUserNotFound
		}
		return nil
	})
}

// SetPassword replaces the password hash, bumps AuthVersion and deletes
// every session of the user, in one transaction. ErrUserNotFound.
func (db *DB) SetPassword(ctx context.Context, id uuid.UUID, passwordHash string) (tenantry.User, error) {
	var u tenantry.User
	err := inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		r, err := q.SetPassword(ctx, sqlitedb.SetPasswordParams{ID: idBytes(id), PasswordHash: passwordHash})
		if err != nil {
			return wrap("set password", notFound(err, tenantry.ErrUserNotFound))
		}
		if err := q.DeleteUserSessions(ctx, idBytes(id)); err != nil {
			return fmt.Errorf("sqlite: set password: delete sessions: %w", err)
		}
		u = user(r)
		return nil
	})
	return u, err
}

// TokenUser returns the token's user and whether the token id was revoked,
// in one query. ErrUserNotFound if the user is gone.
func (db *DB) TokenUser(ctx context.Context, userID uuid.UUID, tokenID string) (tenantry.User, bool, error) {
	r, err := db.read.queries().TokenUser(ctx, sqlitedb.TokenUserParams{ID: idBytes(userID), TokenID: tokenID})
	if err != nil {
		return tenantry.User{}, false, wrap("token user", notFound(err, tenantry.ErrUserNotFound))
	}
	return user(sqlitedb.User{
		ID: r.ID, Email: r.Email, PasswordHash: r.PasswordHash, AuthVersion: r.AuthVersion, CreatedAt: r.CreatedAt,
	}), r.Revoked, nil
}

// RevokeToken records that a token id no longer works, and drops the
// entries whose tokens have expired anyway.
func (db *DB) RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time) error {
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		if err := q.RevokeToken(ctx, sqlitedb.RevokeTokenParams{
			TokenID: tokenID, ExpiresAt: micros(expiresAt),
		}); err != nil {
			return fmt.Errorf("sqlite: revoke token: %w", err)
		}
		if err := q.DeleteExpiredRevokedTokens(ctx, micros(db.now())); err != nil {
			return fmt.Errorf("sqlite: revoke token: prune: %w", err)
		}
		return nil
	})
}

// wrap adds context to an unknown error and passes domain errors unchanged.
func wrap(op string, err error) error {
	if tenantry.ErrorCode(err) != tenantry.EINTERNAL {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}
