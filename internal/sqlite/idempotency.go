package sqlite

import (
	"bytes"
	"context"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// ClaimIdempotencyKey reserves r's key, or returns its first answer (see
// claimKey).
func (t *tenantTx) ClaimIdempotencyKey(ctx context.Context, r tenantry.IdempotentRequest) (tenantry.IdempotentAnswer, bool, error) {
	return claimKey(ctx, t.q, t.db.now(), t.tid, r)
}

// SetIdempotentAnswer keeps the answer to a claimed key's write.
func (t *tenantTx) SetIdempotentAnswer(ctx context.Context, r tenantry.IdempotentRequest, a tenantry.IdempotentAnswer) error {
	return setAnswer(ctx, t.q, t.tid, r, a)
}

// claimKey reserves r's key in the tenant tid, or returns its first
// answer. It first forgets the caller's keys older than IdempotencyKeep in
// the tenant (an index range of the primary key), so a key's reuse after
// that is new. ErrIdempotencyMismatch. Writes hold the single writer, so a
// concurrent claim of the same key runs after this transaction ends and
// reads its answer.
func claimKey(ctx context.Context, q *sqlitedb.Queries, now time.Time, tid []byte, r tenantry.IdempotentRequest) (tenantry.IdempotentAnswer, bool, error) {
	if err := q.ForgetExpiredIdempotencyKeys(ctx, sqlitedb.ForgetExpiredIdempotencyKeysParams{
		TenantID: tid, UserID: idBytes(r.UserID), ExpiredAt: micros(now.Add(-tenantry.IdempotencyKeep)),
	}); err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("forget expired idempotency keys", err, nil)
	}
	n, err := q.ClaimIdempotencyKey(ctx, sqlitedb.ClaimIdempotencyKeyParams{
		TenantID: tid, UserID: idBytes(r.UserID), Key: r.Key, BodyHash: r.BodyHash, CreatedAt: micros(now),
	})
	if err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("claim idempotency key", err, nil)
	}
	if n == 1 {
		return tenantry.IdempotentAnswer{}, false, nil
	}
	row, err := q.IdempotencyKey(ctx, sqlitedb.IdempotencyKeyParams{TenantID: tid, UserID: idBytes(r.UserID), Key: r.Key})
	if err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("idempotency key", err, nil)
	}
	if !bytes.Equal(row.BodyHash, r.BodyHash) {
		return tenantry.IdempotentAnswer{}, false, tenantry.ErrIdempotencyMismatch
	}
	return tenantry.IdempotentAnswer{Status: int(row.Status), Body: row.Body}, true, nil
}

// setAnswer keeps a claimed key's answer in the tenant tid.
func setAnswer(ctx context.Context, q *sqlitedb.Queries, tid []byte, r tenantry.IdempotentRequest, a tenantry.IdempotentAnswer) error {
	err := q.SetIdempotentAnswer(ctx, sqlitedb.SetIdempotentAnswerParams{
		TenantID: tid, UserID: idBytes(r.UserID), Key: r.Key, Status: int64(a.Status), Body: a.Body,
	})
	return interpretError("set idempotent answer", err, nil)
}

// PurgeIdempotencyKeys deletes the expired keys of every tenant and
// caller, those older than IdempotencyKeep, and says how many.
func (db *DB) PurgeIdempotencyKeys(ctx context.Context) (int64, error) {
	n, err := db.write.queries().PurgeIdempotencyKeys(ctx, micros(db.now().Add(-tenantry.IdempotencyKeep)))
	if err != nil {
		return 0, interpretError("purge idempotency keys", err, nil)
	}
	return n, nil
}
