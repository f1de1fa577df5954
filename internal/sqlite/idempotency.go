package sqlite

import (
	"bytes"
	"context"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// ClaimIdempotencyKey reserves r's key, or returns its first answer. It
// first forgets the caller's keys older than IdempotencyKeep in the tenant
// (an index range of the primary key), so a key's reuse after that is new
// and the table holds no more than a day of each caller's creates.
// ErrIdempotencyMismatch. Update holds the single writer, so a concurrent
// claim of the same key runs after this transaction ends and reads its
// answer.
func (t *tenantTx) ClaimIdempotencyKey(ctx context.Context, r tenantry.IdempotentRequest) (tenantry.IdempotentAnswer, bool, error) {
	now := t.db.now()
	if err := t.q.ForgetExpiredIdempotencyKeys(ctx, sqlitedb.ForgetExpiredIdempotencyKeysParams{
		TenantID: t.tid, UserID: idBytes(r.UserID), ExpiredAt: micros(now.Add(-tenantry.IdempotencyKeep)),
	}); err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("forget expired idempotency keys", err, nil)
	}
	n, err := t.q.ClaimIdempotencyKey(ctx, sqlitedb.ClaimIdempotencyKeyParams{
		TenantID: t.tid, UserID: idBytes(r.UserID), Key: r.Key, BodyHash: r.BodyHash, CreatedAt: micros(now),
	})
	if err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("claim idempotency key", err, nil)
	}
	if n == 1 {
		return tenantry.IdempotentAnswer{}, false, nil
	}
	row, err := t.q.IdempotencyKey(ctx, sqlitedb.IdempotencyKeyParams{TenantID: t.tid, UserID: idBytes(r.UserID), Key: r.Key})
	if err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("idempotency key", err, nil)
	}
	if !bytes.Equal(row.BodyHash, r.BodyHash) {
		return tenantry.IdempotentAnswer{}, false, tenantry.ErrIdempotencyMismatch
	}
	return tenantry.IdempotentAnswer{Status: int(row.Status), Body: row.Body}, true, nil
}

// SetIdempotentAnswer keeps the answer to a claimed key's write.
func (t *tenantTx) SetIdempotentAnswer(ctx context.Context, r tenantry.IdempotentRequest, a tenantry.IdempotentAnswer) error {
	err := t.q.SetIdempotentAnswer(ctx, sqlitedb.SetIdempotentAnswerParams{
		TenantID: t.tid, UserID: idBytes(r.UserID), Key: r.Key, Status: int64(a.Status), Body: a.Body,
	})
	return interpretError("set idempotent answer", err, nil)
}
