package tenantry

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"strings"
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

// invitationTokenPrefix marks an invitation token, so one pasted where a
// password or an access token belongs is recognisable.
const invitationTokenPrefix = "inv_"

// NewInvitationToken returns a fresh token for an invitation into tenantID
// and the hash to store: the token is the tenant's id and 32 random bytes,
// base64url; only the SHA-256 of the random part is kept. secret must
// supply 32 random bytes (crypto/rand.Reader).
func NewInvitationToken(tenantID uuid.UUID, secret io.Reader) (token string, hash []byte, err error) {
	b := make([]byte, 16+32)
	copy(b, tenantID[:])
	if _, err := io.ReadFull(secret, b[16:]); err != nil {
		return "", nil, err
	}
	h := sha256.Sum256(b[16:])
	return invitationTokenPrefix + base64.RawURLEncoding.EncodeToString(b), h[:], nil
}

// ParseInvitationToken reads a token made by NewInvitationToken: the tenant
// it names and the hash its invitation was stored under. ok is false for
// anything else.
func ParseInvitationToken(token string) (tenantID uuid.UUID, hash []byte, ok bool) {
	rest, found := strings.CutPrefix(token, invitationTokenPrefix)
	if !found {
		return uuid.Nil, nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) != 16+32 {
		return uuid.Nil, nil, false
	}
	copy(tenantID[:], b[:16])
	h := sha256.Sum256(b[16:])
	return tenantID, h[:], true
}

// Notifier hands a new invitation's token to the invitee, by mail say. The
// API calls it after the invitation is stored, and answers with the token
// either way, so that without a Notifier the inviter passes it on. A
// Notifier's error is logged, never shown.
type Notifier interface {
	Invited(ctx context.Context, org Tenant, inv Invitation, token string) error
}
