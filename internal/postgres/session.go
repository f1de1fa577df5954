package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/pgdb"
)

// CreateSession stores a new session.
func (db *DB) CreateSession(ctx context.Context, s tenantry.Session) error {
	err := db.queries(db.pool).CreateSession(ctx, pgdb.CreateSessionParams{
		IDHash:     s.IDHash,
		UserID:     s.UserID,
		CreatedAt:  s.CreatedAt.UTC().Truncate(time.Microsecond),
		LastSeenAt: s.LastSeenAt.UTC().Truncate(time.Microsecond),
		ExpiresAt:  s.ExpiresAt.UTC().Truncate(time.Microsecond),
	})
	if err != nil {
		return fmt.Errorf("postgres: create session: %w", err)
	}
	return nil
}

// SessionUser returns a live session with its user and records its use, in
// one statement.
func (db *DB) SessionUser(ctx context.Context, idHash []byte, idle time.Duration) (tenantry.Session, tenantry.User, error) {
	now := db.now()
	row, err := db.queries(db.pool).TouchSession(ctx, pgdb.TouchSessionParams{
		IDHash: idHash, Now: now, IdleSince: now.Add(-idle),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return tenantry.Session{}, tenantry.User{}, tenantry.ErrSessionNotFound
	} else if err != nil {
		return tenantry.Session{}, tenantry.User{}, fmt.Errorf("postgres: session user: %w", err)
	}
	s := tenantry.Session{
		IDHash: row.IDHash, UserID: row.UserID, CreatedAt: row.CreatedAt.UTC(),
		LastSeenAt: row.LastSeenAt.UTC(), ExpiresAt: row.ExpiresAt.UTC(),
	}
	u := tenantry.User{
		ID: row.UserID, Email: row.Email, PasswordHash: row.PasswordHash,
		AuthVersion: row.AuthVersion, CreatedAt: row.UserCreatedAt.UTC(),
	}
	return s, u, nil
}

// DeleteSession ends one session.
func (db *DB) DeleteSession(ctx context.Context, idHash []byte) error {
	if err := db.queries(db.pool).DeleteSession(ctx, idHash); err != nil {
		return fmt.Errorf("postgres: delete session: %w", err)
	}
	return nil
}
