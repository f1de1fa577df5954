package tenantry

import (
	"time"

	"github.com/google/uuid"
)

// TokenScope is what an API token may do in its tenant.
type TokenScope string

// The scopes of an API token.
const (
	// ScopeRead reads the tenant's tasks; every write is refused (403).
	ScopeRead TokenScope = "read"
	// ScopeWrite reads and writes the tenant's tasks.
	ScopeWrite TokenScope = "write"
)

// APIToken is a long-lived credential a user makes for scripts: it reaches one
// tenant the user belongs to, with one scope, and lives until it expires, is
// revoked, or the user loses the membership. The store keeps only the SHA-256
// of its secret (a random 32-byte value, so no slow hash is needed).
type APIToken struct {
	ID         uuid.UUID
	UserID     uuid.UUID
	TenantID   uuid.UUID
	Name       string
	Scope      TokenScope
	SecretHash []byte
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: no expiry
	LastUsedAt *time.Time // nil: never used; recorded to the minute
}

// APITokenTouch is how stale an API token's LastUsedAt may be: a token used
// again within it is not written again, so a busy script costs no write per
// request.
const APITokenTouch = time.Minute
