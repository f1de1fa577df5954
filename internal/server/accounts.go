package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// errBadLogin answers an unknown email and a wrong password alike.
var errBadLogin = &tenantry.Error{Code: tenantry.EUNAUTHORIZED, Message: "Incorrect email or password"}

// errWrongPassword refuses a change that needs the current password.
var errWrongPassword = &tenantry.Error{Code: tenantry.EFORBIDDEN, Message: "Current password is incorrect"}

// badForm refuses a token form.
func badForm(msg string) error { return &tenantry.Error{Code: tenantry.EINVALID, Message: msg} }

// RegisterInput is the request of POST /auth/register.
type RegisterInput struct {
	Body RegisterIn
}

// UserOutput answers with an account.
type UserOutput struct {
	Body UserOut
}

func (s *server) register(ctx context.Context, in *RegisterInput) (*UserOutput, error) {
	u, err := s.createAccount(ctx, in.Body.Email, in.Body.Password)
	if err != nil {
		return nil, err
	}
	return &UserOutput{Body: userOut(u)}, nil
}

// createAccount creates an account for a checked email and password,
// within the sign-in limits; its errors are the API's answers.
func (s *server) createAccount(ctx context.Context, email, pw string) (tenantry.User, error) {
	if err := s.admitSignIn(ctx, email); err != nil {
		return tenantry.User{}, err
	}
	hash, err := s.lim.hashing.Hash(ctx, pw)
	if err != nil {
		return tenantry.User{}, s.hashFailed(ctx, err)
	}
	u, err := s.store.CreateUser(ctx, email, hash)
	if err != nil {
		if tenantry.ErrorCode(err) == tenantry.ECONFLICT {
			// Probing for accounts costs the address like guessing; not
			// the account, which the probe would throttle for its owner.
			s.addressFailed(ctx)
		}
		return u, err
	}
	return u, nil
}

// checkPassword finds the account for email and checks pw against it. An
// unknown email costs the same work and gets the same answer as a wrong
// password. The client address and the account must have attempts left
// (admitSignIn); a failure costs more of them.
func (s *server) checkPassword(ctx context.Context, email, pw string) (tenantry.User, error) {
	if err := s.admitSignIn(ctx, email); err != nil {
		return tenantry.User{}, err
	}
	u, err := s.store.UserByEmail(ctx, email)
	if errors.Is(err, tenantry.ErrUserNotFound) {
		if err := s.lim.hashing.VerifyNoUser(ctx, pw); err != nil {
			return u, s.hashFailed(ctx, err)
		}
		s.signInFailed(ctx, email)
		s.metrics.loginFailed()
		s.security(ctx, "login_failed", slog.String("reason", "unknown email"))
		return u, errBadLogin
	} else if err != nil {
		return u, err
	}
	ok, err := s.lim.hashing.Verify(ctx, u.PasswordHash, pw)
	if err != nil {
		return u, s.hashFailed(ctx, err)
	}
	if !ok {
		s.signInFailed(ctx, email)
		s.metrics.loginFailed()
		s.security(ctx, "login_failed", slog.String("reason", "wrong password"), slog.String("target_user_id", u.ID.String()))
		s.signInFailedFor(ctx, u.ID, "password")
		return u, errBadLogin
	}
	return u, nil
}

const msgUnknownFormField = "Unknown form field: the form takes grant_type, username, password, totp, scope, client_id and client_secret"

// TokenInput is the form of POST /auth/token. The form is parsed by hand
// (huma reads JSON bodies); its schema is TokenForm.
type TokenInput struct {
	RawBody []byte `contentType:"application/x-www-form-urlencoded"`
}

// TokenOutput answers with an access token.
type TokenOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         TokenOut
}

func (s *server) token(ctx context.Context, in *TokenInput) (*TokenOutput, error) {
	form, err := url.ParseQuery(string(in.RawBody))
	if err != nil {
		return nil, badForm("The body is not a valid form")
	}
	// An unknown field is not named: a body that is no form (JSON, or a
	// bare password) parses as one field named by the whole body.
	for k, v := range form {
		switch k {
		case "grant_type", "username", "password", "scope", "client_id", "client_secret", "totp":
		default:
			return nil, badForm(msgUnknownFormField)
		}
		if len(v) != 1 {
			return nil, badForm("Form field " + k + " is repeated")
		}
	}
	if gt := form.Get("grant_type"); gt != "" && gt != "password" {
		return nil, badForm(`grant_type must be "password"`)
	}
	email, pw := form.Get("username"), form.Get("password")
	if email == "" || pw == "" {
		return nil, badForm("username and password are required")
	}
	if len(email) > 254 || len(pw) > 1024 {
		return nil, badForm("username or password is too long")
	}
	email, ok := bareEmail(email)
	if !ok {
		return nil, badForm("username " + msgNotBareEmail)
	}
	u, err := s.checkPassword(ctx, email, pw)
	if err != nil {
		return nil, err
	}
	twoFactor, err := s.secondFactor(ctx, u, email, form.Get("totp"))
	if err != nil {
		return nil, err
	}
	tok, claims, err := s.tokens.Issue(u)
	if err != nil {
		return nil, err
	}
	// The token is handed out only once its sign-in is recorded; nothing
	// else is stored for it.
	err = s.store.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
		return tx.Audit(ctx, *accountEntry(ctx, u.ID, tenantry.AuditLogin, signInDetails("token", twoFactor)))
	})
	if errors.Is(err, tenantry.ErrNotMember) {
		return nil, errBadLogin // the account was deleted meanwhile
	} else if err != nil {
		return nil, err
	}
	return &TokenOutput{
		CacheControl: "no-store",
		Body: TokenOut{
			AccessToken: tok,
			TokenType:   "bearer",
			ExpiresIn:   int64(claims.ExpiresAt.Sub(claims.IssuedAt.Time).Seconds()),
		},
	}, nil
}

// LoginInput is the request of POST /auth/login.
type LoginInput struct {
	Cookie string `cookie:"tenantry_session" hidden:"true"`
	Secure string `cookie:"__Host-tenantry_session" hidden:"true"`
	Body   LoginIn
}

// LoginOutput sets the session cookie and answers with the account.
type LoginOutput struct {
	SetCookie    string `header:"Set-Cookie"`
	CacheControl string `header:"Cache-Control"`
	Body         UserOut
}

func (s *server) login(ctx context.Context, in *LoginInput) (*LoginOutput, error) {
	u, err := s.checkPassword(ctx, in.Body.Email, in.Body.Password)
	if err != nil {
		return nil, err
	}
	twoFactor, err := s.secondFactor(ctx, u, in.Body.Email, in.Body.TOTP)
	if err != nil {
		return nil, err
	}
	cookie, err := s.openSession(ctx, s.presentedCookie(in), u.ID,
		accountEntry(ctx, u.ID, tenantry.AuditLogin, signInDetails("session", twoFactor)))
	if err != nil {
		return nil, err
	}
	return &LoginOutput{
		SetCookie:    cookie.String(),
		CacheControl: "no-store",
		Body:         userOut(u),
	}, nil
}

// openSession starts a session for userID and returns its cookie, with
// audit (a sign-in) in the same change. A new session at every login: a
// session id planted before login (fixation), presented, is ended and never
// becomes an authenticated one.
func (s *server) openSession(ctx context.Context, presented string, userID uuid.UUID, audit *tenantry.AuditEntry) (http.Cookie, error) {
	if err := s.endPresentedSession(ctx, presented); err != nil {
		return http.Cookie{}, err
	}
	value, hash, err := newSessionID()
	if err != nil {
		return http.Cookie{}, err
	}
	now := s.now().UTC()
	if err := s.store.CreateSession(ctx, tenantry.Session{
		IDHash: hash, UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.sessionMax),
	}, audit); err != nil {
		return http.Cookie{}, err
	}
	return s.sessionCookie(value, int(s.sessionMax.Seconds())), nil
}

func (s *server) presentedCookie(in *LoginInput) string {
	if s.secure {
		return in.Secure
	}
	return in.Cookie
}

// endPresentedSession deletes the session a cookie value names, if any.
func (s *server) endPresentedSession(ctx context.Context, value string) error {
	if value == "" {
		return nil
	}
	if _, hash, ok := hashCookie(value); ok {
		return s.store.DeleteSession(ctx, hash, nil)
	}
	return nil
}

// NoContentOutput answers 204.
type NoContentOutput struct{}

// ClearCookieOutput answers 204 and, for a cookie session, deletes the cookie.
type ClearCookieOutput struct {
	SetCookie string `header:"Set-Cookie" doc:"Deletes the session cookie, after a cookie-authenticated call."`
}

func (s *server) clearCookie(c *tenantry.Caller) *ClearCookieOutput {
	if c.Method != tenantry.AuthSession {
		return &ClearCookieOutput{}
	}
	cookie := s.sessionCookie("", -1)
	return &ClearCookieOutput{SetCookie: cookie.String()}
}

// EmptyInput is the request of operations that take nothing.
type EmptyInput struct{}

func (s *server) logout(ctx context.Context, _ *EmptyInput) (*ClearCookieOutput, error) {
	c := tenantry.CallerFromContext(ctx)
	var err error
	switch c.Method {
	case tenantry.AuthBearer:
		err = s.store.RevokeToken(ctx, c.TokenID, c.TokenExpiry,
			accountEntry(ctx, c.UserID, tenantry.AuditLogout, map[string]any{"method": "token"}))
	case tenantry.AuthSession:
		err = s.store.DeleteSession(ctx, c.SessionHash,
			accountEntry(ctx, c.UserID, tenantry.AuditLogout, map[string]any{"method": "session"}))
	}
	if err != nil {
		return nil, err
	}
	return s.clearCookie(c), nil
}

func (s *server) me(ctx context.Context, _ *EmptyInput) (*UserOutput, error) {
	u, err := s.store.UserByID(ctx, tenantry.CallerFromContext(ctx).UserID)
	if errors.Is(err, tenantry.ErrUserNotFound) {
		return nil, errBadCredentials
	} else if err != nil {
		return nil, err
	}
	return &UserOutput{Body: userOut(u)}, nil
}

// DeleteMeInput is the request of DELETE /auth/me.
type DeleteMeInput struct {
	Body DeleteMeIn
}

func (s *server) deleteMe(ctx context.Context, in *DeleteMeInput) (*ClearCookieOutput, error) {
	c := tenantry.CallerFromContext(ctx)
	// A stolen token or session alone must not destroy the account.
	if err := s.checkCurrentPassword(ctx, c, in.Body.Password, "account_deletion_refused"); err != nil {
		return nil, err
	}
	if err := s.eraseUser(ctx, c.UserID); err != nil {
		return nil, err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "account deleted", requestAttrs(ctx)...)
	return s.clearCookie(c), nil
}

// PasswordInput is the request of POST /auth/password.
type PasswordInput struct {
	Body PasswordIn
}

// checkCurrentPassword checks the signed-in caller's password, for the
// operations that need more than a credential (changing the password,
// deleting the account): a wrong one is 403 and the security event named.
func (s *server) checkCurrentPassword(ctx context.Context, c *tenantry.Caller, pw, event string) error {
	u, err := s.store.UserByID(ctx, c.UserID)
	if errors.Is(err, tenantry.ErrUserNotFound) {
		return errBadCredentials
	} else if err != nil {
		return err
	}
	ok, err := s.lim.hashing.Verify(ctx, u.PasswordHash, pw)
	if err != nil {
		return s.hashFailed(ctx, err)
	}
	if !ok {
		s.security(ctx, event, slog.String("reason", "wrong current password"))
		return errWrongPassword
	}
	return nil
}

func (s *server) changePassword(ctx context.Context, in *PasswordInput) (*ClearCookieOutput, error) {
	c := tenantry.CallerFromContext(ctx)
	if err := s.checkCurrentPassword(ctx, c, in.Body.CurrentPassword, "password_change_refused"); err != nil {
		return nil, err
	}
	hash, err := s.lim.hashing.Hash(ctx, in.Body.NewPassword)
	if err != nil {
		return nil, s.hashFailed(ctx, err)
	}
	if _, err := s.store.SetPassword(ctx, c.UserID, hash, accountEntry(ctx, c.UserID, tenantry.AuditPassword, nil)); err != nil {
		return nil, err
	}
	s.log.LogAttrs(ctx, slog.LevelInfo, "password changed", requestAttrs(ctx)...)
	return s.clearCookie(c), nil
}
