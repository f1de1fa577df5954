package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// CreateAPIToken stores a new API token; the membership's foreign key
// refuses a tenant the user does not belong to. Its entry follows in the
// user's personal tenant.
func (db *DB) CreateAPIToken(ctx context.Context, t tenantry.APIToken, src tenantry.AuditEntry) (tenantry.APIToken, error) {
	t.ID, t.CreatedAt, t.LastUsedAt = db.NewID(), fromMicros(micros(db.now())), nil
	if t.ExpiresAt != nil {
		e := fromMicros(micros(*t.ExpiresAt))
		t.ExpiresAt = &e
	}
	err := inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		err := q.CreateAPIToken(ctx, sqlitedb.CreateAPITokenParams{
			TenantID: idBytes(t.TenantID), ID: idBytes(t.ID), UserID: idBytes(t.UserID), Name: t.Name,
			Scope: string(t.Scope), SecretHash: t.SecretHash, CreatedAt: micros(t.CreatedAt), ExpiresAt: nullMicros(t.ExpiresAt),
		})
		if isConstraint(err, errForeignKey) {
			return tenantry.ErrNotMember
		} else if err != nil {
			return interpretError("create api token", err, nil)
		}
		return db.auditAccount(ctx, q, t.UserID, tokenCreated(t, src))
	})
	if err != nil {
		return tenantry.APIToken{}, err
	}
	return t, nil
}

// APITokens returns the user's API tokens, oldest first.
func (db *DB) APITokens(ctx context.Context, userID uuid.UUID) ([]tenantry.APIToken, error) {
	rows, err := db.read.queries().APITokens(ctx, idBytes(userID))
	if err != nil {
		return nil, interpretError("api tokens", err, nil)
	}
	out := make([]tenantry.APIToken, 0, len(rows))
	for _, r := range rows {
		out = append(out, toAPIToken(r))
	}
	return out, nil
}

// DeleteAPIToken revokes one of the user's API tokens, and records it in the
// user's personal tenant.
func (db *DB) DeleteAPIToken(ctx context.Context, userID, id uuid.UUID, src tenantry.AuditEntry) error {
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		r, err := q.DeleteAPIToken(ctx, sqlitedb.DeleteAPITokenParams{UserID: idBytes(userID), ID: idBytes(id)})
		if err != nil {
			return interpretError("delete api token", err, tenantry.ErrAPITokenNotFound)
		}
		return db.auditAccount(ctx, q, userID, tokenRevoked(fromBytes(r.ID), r.Name, src))
	})
}

// DeleteAPITokens revokes every API token of the user.
func (db *DB) DeleteAPITokens(ctx context.Context, userID uuid.UUID, src tenantry.AuditEntry) error {
	return inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		rows, err := q.DeleteAPITokens(ctx, idBytes(userID))
		if err != nil {
			return interpretError("delete api tokens", err, nil)
		}
		es := make([]tenantry.AuditEntry, 0, len(rows))
		for _, r := range rows {
			es = append(es, tokenRevoked(fromBytes(r.ID), r.Name, src))
		}
		return db.auditAccount(ctx, q, userID, es...)
	})
}

// APITokenUser finds the live token and its user, and records the use when
// the last one recorded is older than tenantry.APITokenTouch, so that most
// requests only read.
func (db *DB) APITokenUser(ctx context.Context, secretHash []byte, now time.Time) (tenantry.APIToken, tenantry.User, error) {
	row, err := db.read.queries().UseAPIToken(ctx, sqlitedb.UseAPITokenParams{SecretHash: secretHash, Now: micros(now)})
	if err != nil {
		return tenantry.APIToken{}, tenantry.User{}, interpretError("api token user", err, tenantry.ErrAPITokenNotFound)
	}
	t := toAPIToken(sqlitedb.ApiToken{
		TenantID: row.TenantID, ID: row.ID, UserID: row.UserID, Name: row.Name, Scope: row.Scope,
		SecretHash: row.SecretHash, CreatedAt: row.CreatedAt, ExpiresAt: row.ExpiresAt, LastUsedAt: row.LastUsedAt,
	})
	stale := micros(now.Add(-tenantry.APITokenTouch))
	if !row.LastUsedAt.Valid || row.LastUsedAt.Int64 <= stale {
		err := db.write.queries().TouchAPIToken(ctx, sqlitedb.TouchAPITokenParams{SecretHash: secretHash, Now: micros(now), Stale: stale})
		if err != nil {
			return tenantry.APIToken{}, tenantry.User{}, interpretError("api token user: touch", err, nil)
		}
		used := fromMicros(micros(now))
		t.LastUsedAt = &used
	}
	u := toUser(sqlitedb.User{
		ID: row.UserID, Email: row.Email, PasswordHash: row.PasswordHash,
		AuthVersion: row.AuthVersion, CreatedAt: row.UserCreatedAt,
	})
	return t, u, nil
}

// tokenCreated is the audit entry of a new API token: its id, name, tenant
// and scope, never its secret.
func tokenCreated(t tenantry.APIToken, src tenantry.AuditEntry) tenantry.AuditEntry {
	return tenantry.AuditEntry{
		Action: tenantry.AuditTokenCreate, TargetType: "api_token", TargetID: t.ID.String(), IP: src.IP, RequestID: src.RequestID,
		Details: map[string]any{"name": t.Name, "tenant_id": t.TenantID.String(), "scope": string(t.Scope)},
	}
}

// tokenRevoked is the audit entry of a revoked API token.
func tokenRevoked(id uuid.UUID, name string, src tenantry.AuditEntry) tenantry.AuditEntry {
	return tenantry.AuditEntry{
		Action: tenantry.AuditTokenRevoke, TargetType: "api_token", TargetID: id.String(), IP: src.IP, RequestID: src.RequestID,
		Details: map[string]any{"name": name},
	}
}

func toAPIToken(r sqlitedb.ApiToken) tenantry.APIToken {
	return tenantry.APIToken{
		ID: fromBytes(r.ID), UserID: fromBytes(r.UserID), TenantID: fromBytes(r.TenantID), Name: r.Name,
		Scope: tenantry.TokenScope(r.Scope), SecretHash: r.SecretHash, CreatedAt: fromMicros(r.CreatedAt),
		ExpiresAt: fromNullMicros(r.ExpiresAt), LastUsedAt: fromNullMicros(r.LastUsedAt),
	}
}

func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: micros(*t), Valid: true}
}

func fromNullMicros(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}
