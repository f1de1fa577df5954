package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// An API token is apiTokenPrefix and the base64url of apiTokenLen random
// bytes. The prefix makes a leaked token recognisable (secret scanners,
// logs) and tells it from a JWT without parsing.
const (
	apiTokenPrefix = "tnt_"
	apiTokenLen    = 32
)

// Refusals of API tokens.
var (
	// errAPITokenRefused answers a token on a route tokens never reach:
	// accounts, tokens, members, invitations, the organization list.
	errAPITokenRefused = &tenantry.Error{Code: tenantry.EFORBIDDEN, Message: "API tokens cannot be used here"}
	// errReadOnlyToken answers a write with a read token.
	errReadOnlyToken = &tenantry.Error{Code: tenantry.EFORBIDDEN, Message: "This API token may only read"}
	errTokenExpiry   = &tenantry.Error{Code: tenantry.EINVALID, Message: "expires_at must be in the future"}
)

// newAPIToken returns a new token's secret and the hash the store keeps.
func newAPIToken() (secret string, hash []byte, err error) {
	raw := make([]byte, apiTokenLen)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	h := sha256.Sum256(raw)
	return apiTokenPrefix + base64.RawURLEncoding.EncodeToString(raw), h[:], nil
}

// hashAPIToken returns the hash of a presented token; ok is false for a
// value newAPIToken cannot have made. A secret of 32 random bytes needs no
// slow hash: SHA-256 alone cannot be searched backwards.
func hashAPIToken(token string) (hash []byte, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, apiTokenPrefix))
	if err != nil || len(raw) != apiTokenLen {
		return nil, false
	}
	h := sha256.Sum256(raw)
	return h[:], true
}

// identifyAPIToken checks an API token in the database on every request,
// as a session is checked: a revoked token, or one whose membership or
// user is gone, fails on the next request on every replica.
func (s *server) identifyAPIToken(ctx context.Context, token string) (*tenantry.Caller, error) {
	hash, ok := hashAPIToken(token)
	if !ok {
		s.security(ctx, "api_token_invalid", slog.String("reason", "malformed API token"))
		return nil, errBadCredentials
	}
	t, u, err := s.store.APITokenUser(ctx, hash, s.now())
	if errors.Is(err, tenantry.ErrAPITokenNotFound) {
		s.security(ctx, "api_token_invalid", slog.String("reason", "unknown, expired or revoked API token"))
		return nil, errBadCredentials
	} else if err != nil {
		return nil, err
	}
	return &tenantry.Caller{UserID: u.ID, Email: u.Email, Method: tenantry.AuthAPIToken, APIToken: &t}, nil
}

// apiTokenRoute reports whether API tokens may call op: a tenant's tasks,
// personal or an organization's, and the organization itself. Every other
// route, including any added later, refuses them.
func apiTokenRoute(op *huma.Operation) bool {
	p := op.Path
	return p == "/api/orgs/{org_id}" ||
		p == "/api/orgs/{org_id}/tasks" || strings.HasPrefix(p, "/api/orgs/{org_id}/tasks/") ||
		p == "/api/{user_id}/tasks" || strings.HasPrefix(p, "/api/{user_id}/tasks/")
}

// tokenReaches checks an API token caller's way into tenantID: another
// tenant is ErrNotMember (the caller's answer for a foreign tenant), a
// write with a read token is 403. Other callers pass.
func (s *server) tokenReaches(ctx context.Context, c *tenantry.Caller, tenantID uuid.UUID, write bool) error {
	if c.Method != tenantry.AuthAPIToken {
		return nil
	}
	t := c.APIToken
	if t.TenantID != tenantID {
		s.security(ctx, "api_token_other_tenant", slog.String("token_id", t.ID.String()), slog.String("target_tenant_id", tenantID.String()))
		return tenantry.ErrNotMember
	}
	if write && t.Scope != tenantry.ScopeWrite {
		s.security(ctx, "api_token_read_only", slog.String("token_id", t.ID.String()))
		return errReadOnlyToken
	}
	return nil
}

// APITokenIn creates an API token.
type APITokenIn struct {
	Name string `json:"name" minLength:"1" maxLength:"100" pattern:"^[^\\x00-\\x1f\\x7f]*$" patternDescription:"no control characters" doc:"What the token is for."`
	// TenantID is the one owner field a body carries: the tenant is the
	// token's subject, and the store refuses one the caller is not in.
	TenantID  uuid.UUID           `json:"tenant_id" format:"uuid" doc:"A tenant the caller belongs to: an organization's id, or the caller's own id for the personal tasks. Any other is 404."`
	Scope     tenantry.TokenScope `json:"scope" enum:"read,write" doc:"read: GET only; write: also create, change and delete tasks."`
	ExpiresAt *time.Time          `json:"expires_at,omitempty" doc:"When the token stops working; never if absent."`
}

// APITokenOut is an API token without its secret.
type APITokenOut struct {
	ID         uuid.UUID           `json:"id" format:"uuid"`
	Name       string              `json:"name"`
	TenantID   uuid.UUID           `json:"tenant_id" format:"uuid"`
	Scope      tenantry.TokenScope `json:"scope" enum:"read,write"`
	CreatedAt  time.Time           `json:"created_at"`
	ExpiresAt  *time.Time          `json:"expires_at" nullable:"true"`
	LastUsedAt *time.Time          `json:"last_used_at" nullable:"true" doc:"To the minute."`
}

// NewAPITokenOut is a new API token with its secret, shown only once.
type NewAPITokenOut struct {
	APITokenOut
	Token string `json:"token" doc:"The secret (tnt_…), sent as Authorization: Bearer. Shown only now."`
}

func apiTokenOut(t tenantry.APIToken) APITokenOut {
	return APITokenOut{ID: t.ID, Name: t.Name, TenantID: t.TenantID, Scope: t.Scope, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt}
}

// CreateAPITokenInput is the request of POST /api/{user_id}/tokens.
type CreateAPITokenInput struct {
	UserPath
	Body APITokenIn
}

// NewAPITokenOutput answers with a new token.
type NewAPITokenOutput struct {
	Body NewAPITokenOut
}

func (s *server) createAPIToken(ctx context.Context, in *CreateAPITokenInput) (*NewAPITokenOutput, error) {
	t, secret, err := s.makeAPIToken(ctx, tenantry.APIToken{
		UserID: tenantry.CallerFromContext(ctx).UserID, TenantID: in.Body.TenantID, Name: in.Body.Name,
		Scope: in.Body.Scope, ExpiresAt: in.Body.ExpiresAt,
	})
	if err != nil {
		return nil, err
	}
	return &NewAPITokenOutput{Body: NewAPITokenOut{APITokenOut: apiTokenOut(t), Token: secret}}, nil
}

// makeAPIToken makes the API token t describes, with a new secret, for the
// API and the web interface alike. A tenant the user is not in is the
// organization's 404.
func (s *server) makeAPIToken(ctx context.Context, t tenantry.APIToken) (tenantry.APIToken, string, error) {
	if t.ExpiresAt != nil && !t.ExpiresAt.After(s.now()) {
		return t, "", errTokenExpiry
	}
	secret, hash, err := newAPIToken()
	if err != nil {
		return t, "", err
	}
	t.SecretHash = hash
	tenant := t.TenantID
	t, err = s.store.CreateAPIToken(ctx, t, auditSource(ctx))
	if errors.Is(err, tenantry.ErrNotMember) {
		s.security(ctx, "api_token_not_member", slog.String("target_tenant_id", tenant.String()))
		s.metrics.crossTenant("api_token_not_member")
		s.denied(ctx, tenant, "api_token_not_member", nil)
		return t, "", errOrgNotFound
	} else if err != nil {
		return t, "", err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "api token created", append(requestAttrs(ctx), slog.String("token_id", t.ID.String()))...)
	return t, secret, nil
}

// ListAPITokensInput is the request of GET /api/{user_id}/tokens.
type ListAPITokensInput struct {
	UserPath
}

// APITokenListOutput answers with the caller's tokens.
type APITokenListOutput struct {
	Body []APITokenOut
}

func (s *server) listAPITokens(ctx context.Context, _ *ListAPITokensInput) (*APITokenListOutput, error) {
	list, err := s.store.APITokens(ctx, tenantry.CallerFromContext(ctx).UserID)
	if err != nil {
		return nil, err
	}
	out := make([]APITokenOut, 0, len(list))
	for _, t := range list {
		out = append(out, apiTokenOut(t))
	}
	return &APITokenListOutput{Body: out}, nil
}

// APITokenInput is the request of DELETE /api/{user_id}/tokens/{token_id}.
type APITokenInput struct {
	UserPath
	TokenID string `path:"token_id" doc:"A token id (UUID). Unknown, malformed and not-yours are the same 404."`
}

func (s *server) deleteAPIToken(ctx context.Context, in *APITokenInput) (*NoContentOutput, error) {
	id, err := parsePathID(in.TokenID)
	if err != nil {
		return nil, tenantry.ErrAPITokenNotFound
	}
	if err := s.store.DeleteAPIToken(ctx, tenantry.CallerFromContext(ctx).UserID, id, auditSource(ctx)); err != nil {
		return nil, err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "api token revoked", append(requestAttrs(ctx), slog.String("token_id", id.String()))...)
	return &NoContentOutput{}, nil
}

// apiTokenErrors are the answers the token routes add.
var apiTokenErrors = []int{http.StatusNotFound}
