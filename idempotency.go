package tenantry

import (
	"time"

	"github.com/google/uuid"
)

// IdempotencyKeep is how long an Idempotency-Key's first answer is kept:
// a replay within it answers again, a use after it is a new request.
const IdempotencyKeep = 24 * time.Hour

// IdempotentRequest names one create by its caller's Idempotency-Key. The
// key belongs to the caller within the tenant of the TenantAccess, so
// another user's identical key, or the same user's in another tenant, is
// unrelated.
type IdempotentRequest struct {
	UserID uuid.UUID
	Key    string
	// BodyHash is the SHA-256 of the request body: a replay must send the
	// same body, and the body itself is never kept.
	BodyHash []byte
}

// IdempotentAnswer is the first answer to a request with a key, as the
// client received it.
type IdempotentAnswer struct {
	Status int
	Body   []byte
}
