package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// CreateSession stores a new session and deletes the user's oldest beyond
// tenantry.MaxSessionsPerUser, in one transaction that holds the user's row
// lock, so that concurrent sign-ins cannot exceed the cap, with audit.
func (db *DB) CreateSession(ctx context.Context, s tenantry.Session, audit *tenantry.AuditEntry) error {
	return db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		q := db.queries(tx)
		if _, err := q.LockUserSessions(ctx, s.UserID); err != nil {
			return interpretError("create session", err, tenantry.ErrUserNotFound)
		}
		err := q.CreateSession(ctx, pgdb.CreateSessionParams{
			IDHash:     s.IDHash,
			UserID:     s.UserID,
			CreatedAt:  s.CreatedAt.UTC().Truncate(time.Microsecond),
			LastSeenAt: s.LastSeenAt.UTC().Truncate(time.Microsecond),
			ExpiresAt:  s.ExpiresAt.UTC().Truncate(time.Microsecond),
		})
		if err != nil {
			return interpretError("create session", err, nil)
		}
		if _, err := q.TrimUserSessions(ctx, pgdb.TrimUserSessionsParams{
			UserID: s.UserID, Keep: tenantry.MaxSessionsPerUser,
		}); err != nil {
			return interpretError("create session: trim", err, nil)
		}
		if audit == nil {
			return nil
		}
		return db.auditAccount(ctx, tx, s.UserID, *audit)
	})
}

// PurgeSessions deletes every session past its absolute expiry and, when
// idle is positive, every session unused for longer than idle, and says
// how many it deleted. SessionUser refuses those already; the purge keeps
// the table from holding them forever.
func (db *DB) PurgeSessions(ctx context.Context, idle time.Duration) (int64, error) {
	now := db.now()
	since := time.Time{}
	if idle > 0 {
		since = now.Add(-idle)
	}
	n, err := db.queries(db.pool).PurgeSessions(ctx, pgdb.PurgeSessionsParams{Now: now, IdleSince: since})
	if err != nil {
		return 0, interpretError("purge sessions", err, nil)
	}
	return n, nil
}

// SessionUser returns a live session with its user and records its use, in
// one statement.
func (db *DB) SessionUser(ctx context.Context, idHash []byte, idle time.Duration) (tenantry.Session, tenantry.User, error) {
	now := db.now()
	row, err := db.queries(db.pool).TouchSession(ctx, pgdb.TouchSessionParams{
		IDHash: idHash, Now: now, IdleSince: now.Add(-idle),
	})
	if err != nil {
		return tenantry.Session{}, tenantry.User{}, interpretError("session user", err, tenantry.ErrSessionNotFound)
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

// DeleteSession ends one session, with audit in one transaction.
func (db *DB) DeleteSession(ctx context.Context, idHash []byte, audit *tenantry.AuditEntry) error {
	if audit == nil {
		if err := db.queries(db.pool).DeleteSession(ctx, idHash); err != nil {
			return interpretError("delete session", err, nil)
		}
		return nil
	}
	return db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		if err := db.queries(tx).DeleteSession(ctx, idHash); err != nil {
			return interpretError("delete session", err, nil)
		}
		return db.auditAccount(ctx, tx, audit.ActorUserID, *audit)
	})
}
