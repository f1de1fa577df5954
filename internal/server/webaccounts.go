package server

import (
	"context"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/limit"
	"github.com/tenantry/tenantry/internal/web"
)

// webAccounts is the API's account handling as the web interface uses it:
// the same sign-in limits, password hashing, sessions and cookie.
type webAccounts struct{ s *server }

var _ web.Accounts = webAccounts{}

// ctx is r's context with what the limits and security events read about
// the request, as observe sets it for the API's operations.
func (a webAccounts) ctx(r *http.Request) context.Context {
	ri := reqInfo{route: r.Pattern, method: r.Method, remote: r.RemoteAddr, client: clientIP(r, a.s.lim.trusted)}
	return context.WithValue(r.Context(), reqInfoKey{}, ri)
}

func (a webAccounts) AuditSource(r *http.Request) tenantry.AuditEntry {
	return auditSource(a.ctx(r))
}

func (a webAccounts) Caller(r *http.Request) (*tenantry.Caller, error) {
	cookie, err := r.Cookie(a.s.cookieName)
	if err != nil || cookie.Value == "" {
		return nil, nil
	}
	c, err := a.s.identifySession(a.ctx(r), cookie.Value)
	if errors.Is(err, errBadCredentials) {
		return nil, nil
	}
	return c, webError(err)
}

func (a webAccounts) SignUp(r *http.Request, email, password string) (*http.Cookie, error) {
	e, ok := bareEmail(email)
	switch {
	case !ok || len(e) > 254:
		return nil, &web.FieldError{Field: "email", Message: "Enter a bare email address, such as name@example.com."}
	case utf8.RuneCountInString(password) < 8:
		return nil, &web.FieldError{Field: "password", Message: "Use at least 8 characters."}
	case len(password) > 1024:
		return nil, &web.FieldError{Field: "password", Message: "Use at most 1024 characters."}
	}
	ctx := a.ctx(r)
	u, err := a.s.createAccount(ctx, e, password)
	if err != nil {
		if tenantry.ErrorCode(webError(err)) == tenantry.ECONFLICT {
			return nil, &web.FieldError{Field: "email", Message: "This email already has an account. Sign in instead."}
		}
		return nil, webError(err)
	}
	// Signed in at once: the person has just chosen the password.
	details := signInDetails("session", false)
	details["signup"] = true
	cookie, err := a.s.openSession(ctx, a.presented(r), u.ID, accountEntry(ctx, u.ID, tenantry.AuditLogin, details))
	return &cookie, webError(err)
}

// presented is the session cookie r carries, if any.
func (a webAccounts) presented(r *http.Request) string {
	if c, err := r.Cookie(a.s.cookieName); err == nil {
		return c.Value
	}
	return ""
}

func (a webAccounts) SignIn(r *http.Request, email, password, code string) (*http.Cookie, error) {
	ctx := a.ctx(r)
	if len(email) > 254 || len(password) > 1024 {
		return nil, &web.FieldError{Field: "password", Message: errBadLogin.Message + "."}
	}
	if e, ok := bareEmail(email); ok {
		email = e
	}
	u, err := a.s.checkPassword(ctx, email, password)
	if err != nil {
		return nil, webError(err)
	}
	twoFactor, err := a.s.secondFactor(ctx, u, email, code)
	if errors.Is(err, errMFARequired) {
		return nil, &web.FieldError{Field: "totp", Message: "Enter the code from your authenticator app, or a recovery code."}
	} else if errors.Is(err, errBadLogin) {
		return nil, &web.FieldError{Field: "totp", Message: "That code is not valid, or was used already."}
	} else if err != nil {
		return nil, webError(err)
	}
	cookie, err := a.s.openSession(ctx, a.presented(r), u.ID, accountEntry(ctx, u.ID, tenantry.AuditLogin, signInDetails("session", twoFactor)))
	return &cookie, webError(err)
}

func (a webAccounts) SignOut(r *http.Request, c *tenantry.Caller) (*http.Cookie, error) {
	ctx := a.ctx(r)
	entry := accountEntry(ctx, c.UserID, tenantry.AuditLogout, map[string]any{"method": "session"})
	if err := a.s.store.DeleteSession(ctx, c.SessionHash, entry); err != nil {
		return nil, webError(err)
	}
	cookie := a.s.sessionCookie("", -1)
	return &cookie, nil
}

func (a webAccounts) ChangePassword(r *http.Request, c *tenantry.Caller, current, next string) (*http.Cookie, error) {
	ctx := a.ctx(r)
	switch {
	case utf8.RuneCountInString(next) < 8:
		return nil, &web.FieldError{Field: "new_password", Message: "Use at least 8 characters."}
	case len(next) > 1024 || len(current) > 1024:
		return nil, &web.FieldError{Field: "new_password", Message: "Use at most 1024 characters."}
	}
	if err := a.s.checkCurrentPassword(ctx, c, current, "password_change_refused"); err != nil {
		return nil, webError(err)
	}
	hash, err := a.s.lim.hashing.Hash(ctx, next)
	if err != nil {
		return nil, webError(a.s.hashFailed(ctx, err))
	}
	// SetPassword ends every session, this one too; this browser, which
	// has just proved the password, gets a new one.
	if _, err := a.s.store.SetPassword(ctx, c.UserID, hash, accountEntry(ctx, c.UserID, tenantry.AuditPassword, nil)); err != nil {
		return nil, webError(err)
	}
	cookie, err := a.s.openSession(ctx, "", c.UserID, nil)
	return &cookie, webError(err)
}

func (a webAccounts) SignOutEverywhere(r *http.Request, c *tenantry.Caller) (*http.Cookie, error) {
	// The page promises the API tokens end too.
	if err := a.s.signOutEverywhere(a.ctx(r), c.UserID, true); err != nil {
		return nil, webError(err)
	}
	cookie := a.s.sessionCookie("", -1)
	return &cookie, nil
}

func (a webAccounts) DeleteAccount(r *http.Request, c *tenantry.Caller, password string) (*http.Cookie, error) {
	ctx := a.ctx(r)
	if len(password) > 1024 {
		return nil, &web.FieldError{Field: "password", Message: "Current password is incorrect."}
	}
	if err := a.s.checkCurrentPassword(ctx, c, password, "account_deletion_refused"); err != nil {
		return nil, webError(err)
	}
	if err := a.s.eraseUser(ctx, c.UserID); err != nil {
		return nil, webError(err)
	}
	cookie := a.s.sessionCookie("", -1)
	return &cookie, nil
}

func (a webAccounts) Denied(r *http.Request, c *tenantry.Caller, tenantID uuid.UUID) {
	a.s.metrics.crossTenant("org_not_member")
	a.s.deniedBy(a.ctx(r), c.UserID, tenantID, "org_not_member", nil)
}

func (a webAccounts) Admit(r *http.Request, c *tenantry.Caller, tenant string) (func(), error) {
	wait, ok := limit.Queue(r.Context(), a.s.lim.user, c.UserID.String(), a.s.lim.userWait, a.s.now())
	if !ok {
		a.s.metrics.limited(limitUser)
		return nil, &web.TooManyError{RetryAfter: wait}
	}
	if wait > 0 && !a.s.lim.sleep(r.Context(), wait) {
		return nil, r.Context().Err()
	}
	release, err := a.s.lim.tenants.Acquire(r.Context(), tenant)
	if errors.Is(err, limit.ErrBusy) {
		a.s.metrics.limited(limitTenant)
		return nil, &web.TooManyError{RetryAfter: time.Second}
	}
	return release, err
}

// webError turns the API's answer into what the web interface reads: a
// 429 into a *web.TooManyError, a client error into a *tenantry.Error with
// the answer's message. Any other error (a store failure) is returned as it
// is: the web interface logs it and shows its 500 page.
func webError(err error) error {
	var he *httpError
	if err == nil || !errors.As(err, &he) {
		return err
	}
	switch he.status {
	case http.StatusTooManyRequests:
		return &web.TooManyError{RetryAfter: time.Duration(limit.RetryAfter(he.retryAfter)) * time.Second}
	case http.StatusUnauthorized:
		return tenantry.Errorf(tenantry.EUNAUTHORIZED, "%s", he.detail)
	case http.StatusForbidden:
		return tenantry.Errorf(tenantry.EFORBIDDEN, "%s", he.detail)
	case http.StatusConflict:
		return tenantry.Errorf(tenantry.ECONFLICT, "%s", he.detail)
	case http.StatusUnprocessableEntity:
		return tenantry.Errorf(tenantry.EINVALID, "%s", he.detail)
	case http.StatusServiceUnavailable:
		return tenantry.ErrUnavailable
	}
	return errors.New("server: " + he.detail)
}

func (a webAccounts) CreateAPIToken(r *http.Request, c *tenantry.Caller, t tenantry.APIToken) (string, error) {
	t.UserID = c.UserID
	_, secret, err := a.s.makeAPIToken(a.ctx(r), t)
	return secret, webError(err)
}

func (a webAccounts) EnrollTOTP(r *http.Request, c *tenantry.Caller) (string, string, error) {
	out, err := a.s.startTOTP(a.ctx(r), c)
	return out.Secret, out.OTPAuthURI, webError(err)
}

func (a webAccounts) ConfirmTOTP(r *http.Request, c *tenantry.Caller, code string) ([]string, error) {
	codes, err := a.s.finishTOTP(a.ctx(r), c, code)
	if errors.Is(err, errWrongCode) {
		return nil, &web.FieldError{Field: "code", Message: "That code is not valid: enter the one your app shows now."}
	}
	return codes, webError(err)
}

func (a webAccounts) DisableTOTP(r *http.Request, c *tenantry.Caller, password string) error {
	if len(password) > 1024 || password == "" {
		return &web.FieldError{Field: "password", Message: "Current password is incorrect."}
	}
	return webError(a.s.stopTOTP(a.ctx(r), c, "", password))
}
