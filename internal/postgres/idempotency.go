package postgres

import (
	"bytes"
	"context"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// ClaimIdempotencyKey reserves r's key, or returns its first answer. It
// first forgets the caller's keys older than IdempotencyKeep in the tenant
// (an index range of the primary key), so a key's reuse after that is new
// and the table holds no more than a day of each caller's creates.
// ErrIdempotencyMismatch. The insert waits on a concurrent claim's
// uncommitted row; once that commits, the read sees its answer (or, if it
// rolled back, the insert wins).
func (t *tenantTx) ClaimIdempotencyKey(ctx context.Context, r tenantry.IdempotentRequest) (tenantry.IdempotentAnswer, bool, error) {
	now := t.db.now()
	if err := t.q.ForgetExpiredIdempotencyKeys(ctx, pgdb.ForgetExpiredIdempotencyKeysParams{
		TenantID: t.scope.TenantID, UserID: r.UserID, ExpiredAt: now.Add(-tenantry.IdempotencyKeep),
	}); err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("forget expired idempotency keys", err, nil)
	}
	n, err := t.q.ClaimIdempotencyKey(ctx, pgdb.ClaimIdempotencyKeyParams{
		TenantID: t.scope.TenantID, UserID: r.UserID, Key: r.Key, BodyHash: r.BodyHash, CreatedAt: now,
	})
	if err != nil {
		return tenantry.IdempotentAnswer{}, false, interpretError("claim idempotency key", err, nil)
	}
	if n == 1 {
		return tenantry.IdempotentAnswer{}, false, nil
	}
	row, err := t.q.IdempotencyKey(ctx, pgdb.IdempotencyKeyParams{TenantID: t.scope.TenantID, UserID: r.UserID, Key: r.Key})
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
	err := t.q.SetIdempotentAnswer(ctx, pgdb.SetIdempotentAnswerParams{
		TenantID: t.scope.TenantID, UserID: r.UserID, Key: r.Key, Status: int32(a.Status), Body: a.Body,
	})
	return interpretError("set idempotent answer", err, nil)
}
