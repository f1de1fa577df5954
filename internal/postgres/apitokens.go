package postgres

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// CreateAPIToken stores a new API token in a user-level context: the
// insert policy admits only a tenant the user belongs to. Its entry follows
// in the user's personal tenant.
func (db *DB) CreateAPIToken(ctx context.Context, t tenantry.APIToken, src tenantry.AuditEntry) (tenantry.APIToken, error) {
	var out tenantry.APIToken
	err := db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT user_context($1)`, t.UserID); err != nil {
			return interpretError("create api token", err, nil)
		}
		row, err := db.queries(tx).CreateAPIToken(ctx, pgdb.CreateAPITokenParams{
			TenantID: t.TenantID, ID: db.NewID(), UserID: t.UserID, Name: t.Name, Scope: string(t.Scope),
			SecretHash: t.SecretHash, CreatedAt: db.now(), ExpiresAt: toTimestamptz(t.ExpiresAt),
		})
		if err != nil {
			if contextError(err) == tenantry.ErrNotMember {
				return tenantry.ErrNotMember // the insert policy's refusal
			}
			return interpretError("create api token", err, nil)
		}
		out = toAPIToken(row)
		return db.auditAccount(ctx, tx, t.UserID, tokenCreated(out, src))
	})
	return out, err
}

// APITokens returns the user's API tokens, oldest first.
func (db *DB) APITokens(ctx context.Context, userID uuid.UUID) ([]tenantry.APIToken, error) {
	var out []tenantry.APIToken
	err := db.tx(ctx, readOnly, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT user_context($1)`, userID); err != nil {
			return interpretError("api tokens", err, nil)
		}
		rows, err := db.queries(tx).APITokens(ctx, userID)
		if err != nil {
			return interpretError("api tokens", err, nil)
		}
		out = make([]tenantry.APIToken, 0, len(rows))
		for _, r := range rows {
			out = append(out, toAPIToken(r))
		}
		return nil
	})
	return out, err
}

// DeleteAPIToken revokes one of the user's API tokens, and records it in the
// user's personal tenant.
func (db *DB) DeleteAPIToken(ctx context.Context, userID, id uuid.UUID, src tenantry.AuditEntry) error {
	return db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT user_context($1)`, userID); err != nil {
			return interpretError("delete api token", err, nil)
		}
		r, err := db.queries(tx).DeleteAPIToken(ctx, pgdb.DeleteAPITokenParams{UserID: userID, ID: id})
		if err != nil {
			return interpretError("delete api token", err, tenantry.ErrAPITokenNotFound)
		}
		return db.auditAccount(ctx, tx, userID, tokenRevoked(r.ID, r.Name, src))
	})
}

// DeleteAPITokens revokes every API token of the user.
func (db *DB) DeleteAPITokens(ctx context.Context, userID uuid.UUID, src tenantry.AuditEntry) error {
	return db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT user_context($1)`, userID); err != nil {
			return interpretError("delete api tokens", err, nil)
		}
		rows, err := db.queries(tx).DeleteAPITokens(ctx, userID)
		if err != nil {
			return interpretError("delete api tokens", err, nil)
		}
		es := make([]tenantry.AuditEntry, 0, len(rows))
		for _, r := range rows {
			es = append(es, tokenRevoked(r.ID, r.Name, src))
		}
		return db.auditAccount(ctx, tx, userID, es...)
	})
}

// APITokenUser finds the live token and its user, and records the use, in
// one statement (api_token_use, which needs no context).
func (db *DB) APITokenUser(ctx context.Context, secretHash []byte, now time.Time) (tenantry.APIToken, tenantry.User, error) {
	row, err := db.queries(db.pool).UseAPIToken(ctx, pgdb.UseAPITokenParams{
		SecretHash: secretHash, Now: now, Stale: now.Add(-tenantry.APITokenTouch),
	})
	if err != nil {
		return tenantry.APIToken{}, tenantry.User{}, interpretError("api token user", err, tenantry.ErrAPITokenNotFound)
	}
	t := toAPIToken(pgdb.ApiToken{
		TenantID: row.TenantID, ID: row.ID, UserID: row.UserID, Name: row.Name, Scope: row.Scope,
		SecretHash: row.SecretHash, CreatedAt: row.CreatedAt, ExpiresAt: row.ExpiresAt, LastUsedAt: row.LastUsedAt,
	})
	u := tenantry.User{
		ID: row.UserID, Email: row.Email, PasswordHash: row.PasswordHash,
		AuthVersion: row.AuthVersion, CreatedAt: row.UserCreatedAt.UTC(),
	}
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

func toAPIToken(r pgdb.ApiToken) tenantry.APIToken {
	return tenantry.APIToken{
		ID: r.ID, UserID: r.UserID, TenantID: r.TenantID, Name: r.Name, Scope: tenantry.TokenScope(r.Scope),
		SecretHash: r.SecretHash, CreatedAt: r.CreatedAt.UTC(),
		ExpiresAt: fromTimestamptz(r.ExpiresAt), LastUsedAt: fromTimestamptz(r.LastUsedAt),
	}
}

func toTimestamptz(t *time.Time) pgtype.Timestamptz {
	if t == nil {
		return pgtype.Timestamptz{}
	}
	return pgtype.Timestamptz{Time: t.UTC().Truncate(time.Microsecond), Valid: true}
}

func fromTimestamptz(t pgtype.Timestamptz) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}
