package server

import (
	"context"
	"log/slog"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// LogoutAllInput is the request of POST /auth/logout-all.
type LogoutAllInput struct {
	IncludeAPITokens bool `query:"include_api_tokens" doc:"Revoke every API token too."`
}

func (s *server) logoutAll(ctx context.Context, in *LogoutAllInput) (*ClearCookieOutput, error) {
	c := tenantry.CallerFromContext(ctx)
	if err := s.signOutEverywhere(ctx, c.UserID, in.IncludeAPITokens); err != nil {
		return nil, err
	}
	return s.clearCookie(c), nil
}

// signOutEverywhere ends every session and access token of the user at
// once on every replica, and its API tokens when apiTokens is set. Setting
// the same password hash bumps the credentials' version and deletes every
// session; the database announces the change to the other replicas' token
// caches (migration 00003). API tokens are checked in the database on
// every request, so deleting them is seen at once everywhere. Each change
// carries its entries: a token.revoke per API token, then auth.logout_all.
func (s *server) signOutEverywhere(ctx context.Context, userID uuid.UUID, apiTokens bool) error {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return err
	}
	if apiTokens {
		if err := s.store.DeleteAPITokens(ctx, userID, auditSource(ctx)); err != nil {
			return err
		}
	}
	entry := accountEntry(ctx, userID, tenantry.AuditLogoutAll, map[string]any{"api_tokens": apiTokens})
	if _, err := s.store.SetPassword(ctx, userID, u.PasswordHash, entry); err != nil {
		return err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "signed out everywhere", append(requestAttrs(ctx), slog.Bool("api_tokens", apiTokens))...)
	return nil
}
