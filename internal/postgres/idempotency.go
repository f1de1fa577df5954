package postgres

import (
	"bytes"
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// ClaimIdempotencyKey reserves r's key, or returns its first answer (see
// claimKey).
func (t *tenantTx) ClaimIdempotencyKey(ctx context.Context, r tenantry.IdempotentRequest) (tenantry.IdempotentAnswer, bool, error) {
	return claimKey(ctx, t.q, t.db.now(), t.scope.TenantID, r)
}

// SetIdempotentAnswer keeps the answer to a claimed key's write.
func (t *tenantTx) SetIdempotentAnswer(ctx context.Context, r tenantry.IdempotentRequest, a tenantry.IdempotentAnswer) error {
	return setAnswer(ctx, t.q, t.scope.TenantID, r, a)
}

// claimKey reserves r's key in tenantID, whose context the transaction of
// q is in, or returns its first answer. It first forgets the caller's keys
// older than IdempotencyKeep in the tenant (an index range of the primary
// key), so a key's reuse after that is new. ErrIdempotencyMismatch. The
// insert waits on a concurrent claim's uncommitted row; once that commits,
// the read sees its answer (or, if it rolled back, the insert wins).
func claimKey(ctx context.Context, q *pgdb.Queries, now time.Time, tenantID uuid.UUID, r tenantry.IdempotentRequest) (tenantry.IdempotentAnswer, bool, error) {
	if err := q.ForgetExpiredIdempotencyKeys(ctx, pgdb.ForgetExpiredIdempotencyKeysParams{
		TenantID: tenantID, UserID: r.UserID, ExpiredAt: now.Add(-tenantry.IdempotencyKeep),
	}); err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("forget expired idempotency keys", err, nil)
	}
	n, err := q.ClaimIdempotencyKey(ctx, pgdb.ClaimIdempotencyKeyParams{
		TenantID: tenantID, UserID: r.UserID, Key: r.Key, BodyHash: r.BodyHash, CreatedAt: now,
	})
	if err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("claim idempotency key", err, nil)
	}
	if n == 1 {
		return tenantry.IdempotentAnswer{}, false, nil
	}
	row, err := q.IdempotencyKey(ctx, pgdb.IdempotencyKeyParams{TenantID: tenantID, UserID: r.UserID, Key: r.Key})
	if err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("idempotency key", err, nil)
	}
	if !bytes.Equal(row.BodyHash, r.BodyHash) {
		return tenantry.IdempotentAnswer{}, false, tenantry.ErrIdempotencyMismatch
	}
	return tenantry.IdempotentAnswer{Status: int(row.Status), Body: row.Body}, true, nil
}

// setAnswer keeps a claimed key's answer in tenantID.
func setAnswer(ctx context.Context, q *pgdb.Queries, tenantID uuid.UUID, r tenantry.IdempotentRequest, a tenantry.IdempotentAnswer) error {
	err := q.SetIdempotentAnswer(ctx, pgdb.SetIdempotentAnswerParams{
		TenantID: tenantID, UserID: r.UserID, Key: r.Key, Status: int32(a.Status), Body: a.Body,
	})
	return interpretError("set idempotent answer", err, nil)
}

// PurgeIdempotencyKeys deletes the expired keys of every tenant and caller
// through purge_idempotency_keys, which runs with the owner's rights (the
// application role sees one tenant's keys at a time) and never deletes a
// key younger than IdempotencyKeep by the database's clock. It says how
// many it deleted.
func (db *DB) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	var n int64
	if err := db.pool.QueryRow(ctx, `SELECT purge_idempotency_keys($1)`, db.now().Add(-tenantry.IdempotencyKeep)).Scan(&n); err != nil {
		return 0, interpretError("purge idempotency keys", err, nil)
	}
	return n, nil
}
