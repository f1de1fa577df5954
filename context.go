package tenantry

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// AuthMethod says how a caller proved who they are.
type AuthMethod string

// The ways in.
const (
	AuthBearer  AuthMethod = "bearer"
	AuthSession AuthMethod = "session"
	// AuthAPIToken is a long-lived API token (tnt_…) for one tenant.
	AuthAPIToken AuthMethod = "api_token"
)

// Caller is the authenticated user of one request.
type Caller struct {
	UserID uuid.UUID
	Email  string
	Method AuthMethod
	// TokenID and TokenExpiry identify the bearer token (for logout).
	TokenID     string
	TokenExpiry time.Time
	// SessionHash identifies the cookie session (for logout).
	SessionHash []byte
	// APIToken is the API token the caller presented (AuthAPIToken): it
	// reaches only its TenantID, and with ScopeRead only reads.
	APIToken *APIToken
}

type callerKey struct{}

// NewContextWithCaller returns a context that carries c. Only the
// authentication middleware calls it.
func NewContextWithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFromContext returns the request's caller, or nil if none was proven.
func CallerFromContext(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}
