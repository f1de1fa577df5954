package tenantry

import (
	"time"

	"github.com/google/uuid"
)

// DefaultInvitationTTL is how long an invitation can be accepted unless
// configured otherwise.
const DefaultInvitationTTL = 7 * 24 * time.Hour

// Invitation asks whoever holds its token, signed in with Email, to join
// the tenant with Role. The token itself is never stored, only its hash.
type Invitation struct {
	TenantID  uuid.UUID
	ID        uuid.UUID
	Email     string
	Role      Role
	InvitedBy uuid.UUID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// NewInvitation is what an inviter sets. TokenHash is the SHA-256 of the
// token's secret part, chosen by the caller so the store never sees a
// token.
type NewInvitation struct {
	Email     string
	Role      Role
	TokenHash []byte
	ExpiresAt time.Time
}

// ErrInvitationNotFound is returned for an invitation that does not exist
// in the scope, and for a token that is unknown, expired, revoked, used by
// someone else or meant for another email: the cases are not told apart.
var ErrInvitationNotFound = &Error{Code: ENOTFOUND, Message: "Invitation not found"}
