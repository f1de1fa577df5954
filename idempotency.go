package tenantry

import (
	"encoding/json"
	"fmt"
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

// OrgAnswer is the answer CreateOrgOnce keeps for its key: the
// organization and role it created, as JSON, with the status of a create
// (201). Both stores keep the same bytes, so a replay reads the same
// OrgMembership from either.
func OrgAnswer(m OrgMembership) (IdempotentAnswer, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return IdempotentAnswer{}, fmt.Errorf("idempotency: org answer: %w", err)
	}
	return IdempotentAnswer{Status: 201, Body: b}, nil
}

// Org reads an answer kept by OrgAnswer.
func (a IdempotentAnswer) Org() (OrgMembership, error) {
	var m OrgMembership
	if err := json.Unmarshal(a.Body, &m); err != nil {
		return OrgMembership{}, fmt.Errorf("idempotency: org answer: %w", err)
	}
	return m, nil
}
