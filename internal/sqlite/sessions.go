package sqlite

import (
	"context"
	"math"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// CreateSession stores a new session and deletes the user's oldest beyond
// tenantry.MaxSessionsPerUser, in one transaction. Its times are stored in
// UTC, truncated to microseconds. audit is written in the same transaction.
func (db *DB) CreateSession(ctx context.Context, s tenantry.Session, audit *tenantry.AuditEntry) error {
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		err := q.CreateSession(ctx, sqlitedb.CreateSessionParams{
			IDHash:     s.IDHash,
			UserID:     idBytes(s.UserID),
			CreatedAt:  micros(s.CreatedAt),
			LastSeenAt: micros(s.LastSeenAt),
			ExpiresAt:  micros(s.ExpiresAt),
		})
		if isConstraint(err, errForeignKey) {
			return tenantry.ErrUserNotFound
		} else if err != nil {
			return interpretError("create session", err, nil)
		}
		if _, err := q.TrimUserSessions(ctx, sqlitedb.TrimUserSessionsParams{
			UserID: idBytes(s.UserID), Keep: tenantry.MaxSessionsPerUser,
		}); err != nil {
			return interpretError("create session: trim", err, nil)
		}
		if audit == nil {
			return nil
		}
		return db.auditAccount(ctx, q, s.UserID, *audit)
	})
}

// PurgeSessions deletes every session past its absolute expiry and, when
// idle is positive, every session unused for longer than idle, and says
// how many it deleted. SessionUser refuses those already; the purge keeps
// the file from holding them forever.
func (db *DB) PurgeSessions(ctx context.Context, idle time.Duration) (int64, error) {
	now := db.now()
	since := int64(math.MinInt64)
	if idle > 0 {
		since = micros(now.Add(-idle))
	}
	n, err := db.write.queries().PurgeSessions(ctx, sqlitedb.PurgeSessionsParams{Now: micros(now), IdleSince: since})
	if err != nil {
		return 0, interpretError("purge sessions", err, nil)
	}
	return n, nil
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
			return interpretError("session user", err, tenantry.ErrSessionNotFound)
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
				return interpretError("session user: delete expired", err, nil)
			}
			return nil
		}
		if err := q.TouchSession(ctx, sqlitedb.TouchSessionParams{IDHash: idHash, LastSeenAt: micros(now)}); err != nil {
			return interpretError("session user: touch", err, nil)
		}
		s.LastSeenAt = now
		u = toUser(sqlitedb.User{
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

// DeleteSession ends one session, with audit in one transaction. Deleting
// an unknown one is not an error.
func (db *DB) DeleteSession(ctx context.Context, idHash []byte, audit *tenantry.AuditEntry) error {
	if audit == nil {
		if err := db.write.queries().DeleteSession(ctx, idHash); err != nil {
			return interpretError("delete session", err, nil)
		}
		return nil
	}
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		if err := q.DeleteSession(ctx, idHash); err != nil {
			return interpretError("delete session", err, nil)
		}
		return db.auditAccount(ctx, q, audit.ActorUserID, *audit)
	})
}
