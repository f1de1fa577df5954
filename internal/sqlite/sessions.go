package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitedb"
)

// CreateSession stores a new session. Its times are stored in UTC,
// truncated to microseconds.
func (db *DB) CreateSession(ctx context.Context, s tenantry.Session) error {
	err := db.write.queries().CreateSession(ctx, sqlitedb.CreateSessionParams{
		IDHash:     s.IDHash,
		UserID:     idBytes(s.UserID),
		CreatedAt:  micros(s.CreatedAt),
		LastSeenAt: micros(s.LastSeenAt),
		ExpiresAt:  micros(s.ExpiresAt),
	})
	if isConstraint(err, errForeignKey) {
		return tenantry.ErrUserNotFound
	} else if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	return nil
}

// SessionUser returns a live session and its user and records the use. A
// session past its absolute expiry, or unused for longer than idle (when idle
// is positive), is deleted and reported as ErrSessionNotFound.
func (db *DB) SessionUser(ctx context.Context, idHash []byte, idle time.Duration) (tenantry.Session, tenantry.User, error) {
	var (
		s    tenantry.Session
		u    tenantry.User
		dead bool
	)
	err := inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		r, err := q.SessionUser(ctx, idHash)
		if err != nil {
			return wrap("session user", notFound(err, tenantry.ErrSessionNotFound))
		}
		now := db.now()
		s = tenantry.Session{
			IDHash:     r.IDHash,
			UserID:     fromBytes(r.UserID),
			CreatedAt:  fromMicros(r.CreatedAt),
			LastSeenAt: fromMicros(r.LastSeenAt),
			ExpiresAt:  fromMicros(r.ExpiresAt),
		}
		if !now.Before(s.ExpiresAt) || (idle > 0 && now.Sub(s.LastSeenAt) > idle) {
			dead = true
			if err := q.DeleteSession(ctx, idHash); err != nil {
				return fmt.Errorf("sqlite: session user: delete expired: %w", err)
			}
			return nil
		}
		if err := q.TouchSession(ctx, sqlitedb.TouchSessionParams{IDHash: idHash, LastSeenAt: micros(now)}); err != nil {
			return fmt.Errorf("sqlite: session user: touch: %w", err)
		}
		s.LastSeenAt = now
		u = user(sqlitedb.User{
			ID: r.UserID, Email: r.Email, PasswordHash: r.PasswordHash,
			AuthVersion: r.AuthVersion, CreatedAt: r.UserCreatedAt,
		})
		return nil
	})
	if err != nil {
		return tenantry.Session{}, tenantry.User{}, err
	} else if dead {
		return tenantry.Session{}, tenantry.User{}, tenantry.ErrSessionNotFound
	}
	return s, u, nil
}

// DeleteSession ends one session. Deleting an unknown one is not an error.
func (db *DB) DeleteSession(ctx context.Context, idHash []byte) error {
	if err := db.write.queries().DeleteSession(ctx, idHash); err != nil {
		return fmt.Errorf("sqlite: delete session: %w", err)
	}
	return nil
}
