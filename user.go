package tenantry

import (
	"time"

	"github.com/google/uuid"
)

// User is an account. Its personal tenant has the same id.
type User struct {
	ID           uuid.UUID
	Email        string // lower-cased
	PasswordHash string // argon2id, PHC string format
	// AuthVersion goes up when every credential issued so far must stop
	// working (password change). Tokens carry the version they were issued at.
	AuthVersion int64
	CreatedAt   time.Time
}

// Session is a server-side cookie session. The cookie holds a random secret;
// the store keeps only its SHA-256 hash.
type Session struct {
	IDHash     []byte
	UserID     uuid.UUID
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry; idle expiry is checked against LastSeenAt
}
