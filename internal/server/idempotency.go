package server

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// An Idempotency-Key makes a create safe to retry: the key is claimed in
// the transaction of the write, so a replay (even a concurrent one, which
// waits for the claim) answers the first write's result instead of writing
// again, and a failed write keeps no claim. The key is the caller's within
// the tenant. The stored answer is the created record, from which the
// handler builds the same body and headers (ETag) again.

// maxIdempotencyKey is the longest Idempotency-Key accepted.
const maxIdempotencyKey = 255

// errIdempotencyKeyShape refuses a key that is not 1–255 visible ASCII
// characters; the message never echoes the key.
var errIdempotencyKeyShape = &tenantry.Error{Code: tenantry.EINVALID,
	Message: "The Idempotency-Key header must be 1 to 255 visible ASCII characters"}

// IdempotencyKeyHeader is the optional key of a create.
type IdempotencyKeyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"1 to 255 visible ASCII characters. A retry with the same key and body within 24 hours answers the first answer again without a second write; the same key with another body is refused (422). Keys are the caller's own within the tenant."`
}

// OrgIdempotencyKeyHeader is the optional key of POST /api/orgs. The key
// is kept in the caller's personal tenant, beside those of the personal
// tasks' creates.
type OrgIdempotencyKeyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"1 to 255 visible ASCII characters. A retry with the same key and body within 24 hours answers the first answer again (201, the same organization) without creating a second; the same key with another body is refused (422). Keys are the caller's own, kept with those of the caller's personal tasks: a key used to create a personal task is refused here (422)."`
}

// InvitationIdempotencyKeyHeader is the optional key of POST
// /api/orgs/{org_id}/invitations.
type InvitationIdempotencyKeyHeader struct {
	IdempotencyKey string `header:"Idempotency-Key" doc:"1 to 255 visible ASCII characters. A retry with the same key and body within 24 hours answers the first answer again (201, the same invitation) without a second invitation, but with a null token: the token is shown once, in the first answer, and never stored. The same key with another body is refused (422). Keys are the caller's own within the organization."`
}

// checkIdempotencyKey is nil for an absent or well-formed key.
func checkIdempotencyKey(key string) error {
	if len(key) > maxIdempotencyKey {
		return errIdempotencyKeyShape
	}
	for i := 0; i < len(key); i++ {
		if key[i] < '!' || key[i] > '~' {
			return errIdempotencyKeyShape
		}
	}
	return nil
}

// idempotentRequest names the request of userID with key to the
// operation op. request is the parsed body; its JSON is what is hashed, so
// a replay whose body differs only in spacing or order still matches, and
// op is hashed with it, so the same key sent to two operations never
// matches.
func idempotentRequest(userID uuid.UUID, op, key string, request any) (tenantry.IdempotentRequest, error) {
	if err := checkIdempotencyKey(key); err != nil {
		return tenantry.IdempotentRequest{}, err
	}
	body, err := json.Marshal(request)
	if err != nil {
		return tenantry.IdempotentRequest{}, fmt.Errorf("idempotency: request: %w", err)
	}
	h := sha256.New()
	h.Write([]byte(op))
	h.Write([]byte{0})
	h.Write(body)
	return tenantry.IdempotentRequest{UserID: userID, Key: key, BodyHash: h.Sum(nil)}, nil
}

// idempotent runs write, which fills *result, at most once per key: with
// a key already used, it fills *result from the first answer instead (see
// idempotentRequest for op and request). An empty key runs write as it is.
func idempotent[T any](ctx context.Context, tx tenantry.TenantAccess, op, key string, request any, result *T, write func() error) error {
	if key == "" {
		return write()
	}
	r, err := idempotentRequest(tx.Scope().UserID, op, key, request)
	if err != nil {
		return err
	}
	prior, found, err := tx.ClaimIdempotencyKey(ctx, r)
	if err != nil {
		return err
	}
	if found {
		if err := json.Unmarshal(prior.Body, result); err != nil {
			return fmt.Errorf("idempotency: stored answer: %w", err)
		}
		return nil
	}
	if err := write(); err != nil {
		return err
	}
	answer, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("idempotency: answer: %w", err)
	}
	return tx.SetIdempotentAnswer(ctx, r, tenantry.IdempotentAnswer{Status: 201, Body: answer})
}
