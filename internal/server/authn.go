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

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/auth"
)

// Answers for credentials that do not prove anything.
var (
	errNotAuthed      = &tenantry.Error{Code: tenantry.EUNAUTHORIZED, Message: tenantry.MsgNotAuthed}
	errBadCredentials = &tenantry.Error{Code: tenantry.EUNAUTHORIZED, Message: tenantry.MsgBadCredentials}
)

// identify finds the caller from the Authorization header or, without one,
// the session cookie. A header that is present decides alone: a bad token is
// not rescued by a good cookie.
func (s *server) identify(ctx context.Context, r *http.Request) (*tenantry.Caller, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		return s.identifyBearer(ctx, h)
	}
	if c, err := r.Cookie(s.cookieName); err == nil && c.Value != "" {
		return s.identifySession(ctx, c.Value)
	}
	return nil, errNotAuthed
}

func (s *server) identifyBearer(ctx context.Context, header string) (*tenantry.Caller, error) {
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		s.security(ctx, "token_invalid", slog.String("reason", "not a bearer authorization header"))
		return nil, errBadCredentials
	}
	if strings.HasPrefix(token, apiTokenPrefix) {
		return s.identifyAPIToken(ctx, token)
	}
	claims, err := s.tokens.Verify(token)
	if err != nil {
		s.security(ctx, "token_invalid", slog.String("reason", reason(err)))
		return nil, errBadCredentials
	}
	uid := claims.UserID
	u, revoked, err := s.store.TokenUser(ctx, uid, claims.ID)
	switch {
	case errors.Is(err, tenantry.ErrUserNotFound):
		s.security(ctx, "token_unknown_user", slog.String("target_user_id", uid.String()), slog.String("token_id", claims.ID))
		return nil, errBadCredentials
	case err != nil:
		return nil, err
	case revoked:
		s.security(ctx, "token_revoked", slog.String("target_user_id", uid.String()), slog.String("token_id", claims.ID))
		return nil, errBadCredentials
	case claims.Version != u.AuthVersion:
		s.security(ctx, "token_stale", slog.String("target_user_id", uid.String()), slog.String("token_id", claims.ID))
		return nil, errBadCredentials
	}
	return &tenantry.Caller{
		UserID:      u.ID,
		Email:       u.Email,
		Method:      tenantry.AuthBearer,
		TokenID:     claims.ID,
		TokenExpiry: claims.ExpiresAt,
	}, nil
}

// reason is a token error's text without the token: the jwt package's
// messages name the failed check, never the input.
func reason(err error) string {
	return strings.TrimPrefix(err.Error(), auth.ErrInvalidToken.Error()+": ")
}

func (s *server) identifySession(ctx context.Context, value string) (*tenantry.Caller, error) {
	_, hash, ok := hashCookie(value)
	if !ok {
		s.security(ctx, "session_invalid", slog.String("reason", "malformed cookie"))
		return nil, errBadCredentials
	}
	_, u, err := s.store.SessionUser(ctx, hash, s.sessionIdle)
	if err != nil {
		if tenantry.ErrorCode(err) == tenantry.EUNAUTHORIZED || errors.Is(err, tenantry.ErrUserNotFound) {
			s.security(ctx, "session_invalid", slog.String("reason", "unknown, expired or ended session"))
			return nil, errBadCredentials
		}
		return nil, err
	}
	return &tenantry.Caller{
		UserID:      u.ID,
		Email:       u.Email,
		Method:      tenantry.AuthSession,
		SessionHash: hash,
	}, nil
}

// sessionIDLen is the length of a session secret in bytes.
const sessionIDLen = 32

// newSessionID returns a random session secret, its cookie value and the
// hash the store keeps.
func newSessionID() (value string, hash []byte, err error) {
	raw := make([]byte, sessionIDLen)
	if _, err := rand.Read(raw); err != nil {
		return "", nil, err
	}
	h := sha256.Sum256(raw)
	return base64.RawURLEncoding.EncodeToString(raw), h[:], nil
}

// hashCookie decodes a session cookie value and returns the hash the store
// keeps; ok is false for a value newSessionID cannot have made.
func hashCookie(value string) (raw, hash []byte, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil || len(raw) != sessionIDLen {
		return nil, nil, false
	}
	h := sha256.Sum256(raw)
	return raw, h[:], true
}

// sessionCookie is the cookie that carries value for maxAge seconds; an
// empty value with maxAge -1 deletes it.
func (s *server) sessionCookie(value string, maxAge int) http.Cookie {
	return http.Cookie{
		Name:     s.cookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   s.secure,
		SameSite: http.SameSiteLaxMode,
	}
}
