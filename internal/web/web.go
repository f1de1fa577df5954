// Package web is Tenantry's web interface: server-rendered pages
// (html/template) over the same store, scope checks and rules as the API,
// working with plain HTML forms and POST-redirect-GET. Templates, the
// stylesheet and the one small script are embedded in the binary; assets
// are served under names that carry their content hash.
//
// Sign-in limits, password hashing and sessions are the API's own, reached
// through Accounts, so a browser and a client of the API meet the same
// limits and share one session cookie.
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// Accounts is what the web interface needs of the API's account handling.
// Its errors are *FieldError (a form field is wrong), *TooManyError (a
// limit refused the request) or a *tenantry.Error; anything else is an
// internal error.
type Accounts interface {
	// AuditSource is an audit entry with r's client address and request
	// id, as the API's handlers record them, for the page to complete.
	AuditSource(r *http.Request) tenantry.AuditEntry
	// Caller is the signed-in user of r's session cookie; nil, nil when
	// there is none or it no longer works.
	Caller(r *http.Request) (*tenantry.Caller, error)
	// SignUp creates an account and opens a session for it: the cookie
	// to set.
	SignUp(r *http.Request, email, password string) (*http.Cookie, error)
	// SignIn checks the credentials, and the two-factor code when the
	// account has two-factor sign-in on (a FieldError for "totp" when it
	// is missing), and opens a session: the cookie to set.
	SignIn(r *http.Request, email, password, code string) (*http.Cookie, error)
	// EnrollTOTP starts two-factor sign-in: the secret and its otpauth URI.
	EnrollTOTP(r *http.Request, c *tenantry.Caller) (secret, uri string, err error)
	// ConfirmTOTP turns it on with a first code: the recovery codes.
	ConfirmTOTP(r *http.Request, c *tenantry.Caller, code string) ([]string, error)
	// DisableTOTP turns it off, proven by the current password.
	DisableTOTP(r *http.Request, c *tenantry.Caller, password string) error
	// SignOut ends c's session: the cookie that deletes it.
	SignOut(r *http.Request, c *tenantry.Caller) (*http.Cookie, error)
	// ChangePassword checks the current password, sets the new one (every
	// session and token of the user ends) and opens a new session for this
	// browser: its cookie.
	ChangePassword(r *http.Request, c *tenantry.Caller, current, next string) (*http.Cookie, error)
	// SignOutEverywhere ends every session and token of c's user: the
	// cookie that deletes this browser's.
	SignOutEverywhere(r *http.Request, c *tenantry.Caller) (*http.Cookie, error)
	// DeleteAccount checks the password and deletes c's account: the cookie
	// that deletes the session.
	DeleteAccount(r *http.Request, c *tenantry.Caller, password string) (*http.Cookie, error)
	// CreateAPIToken makes an API token of c's user with t's name, tenant,
	// scope and expiry: its secret, to show once.
	CreateAPIToken(r *http.Request, c *tenantry.Caller, t tenantry.APIToken) (secret string, err error)
	// Denied notes that c was refused in tenantID as no member of it, for
	// that tenant's audit log, off the request path (as the API does).
	Denied(r *http.Request, c *tenantry.Caller, tenantID uuid.UUID)
	// Admit applies the per-user and per-tenant request limits to one
	// page of c's in tenant; release when done.
	Admit(r *http.Request, c *tenantry.Caller, tenant string) (release func(), err error)
}

// FieldError says what is wrong with one form field ("email", "password").
type FieldError struct {
	Field   string
	Message string
}

// Error names the field and says what is wrong.
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// TooManyError says a limit refused the request: retry after RetryAfter.
type TooManyError struct {
	RetryAfter time.Duration
}

// Error says when to retry.
func (e *TooManyError) Error() string {
	return fmt.Sprintf("too many requests; retry after %s", e.RetryAfter)
}

// Config is what the web interface is built from.
type Config struct {
	// Store keeps everything. Required.
	Store tenantry.Store
	// Accounts signs people up, in and out. Required.
	Accounts Accounts
	// Secret keys the per-session form tokens; at least 32 bytes. Required.
	Secret []byte
	// SecureCookies marks the interface's own cookies (the pre-session form
	// token, the one-time notice) Secure, with the __Host- prefix, as the
	// API does its session cookie over TLS.
	SecureCookies bool
	// Logger receives unexpected errors. Nil discards them.
	Logger *slog.Logger
	// InvitationTTL is how long an invitation made here can be accepted
	// (tenantry.DefaultInvitationTTL when zero).
	InvitationTTL time.Duration
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// UI is the web interface's handlers.
type UI struct {
	store     tenantry.Store
	accounts  Accounts
	secret    []byte
	secure    bool
	log       *slog.Logger
	pages     *pages
	assets    *assets
	cop       *http.CrossOriginProtection
	inviteTTL time.Duration
	now       func() time.Time
}

// New builds the web interface.
func New(cfg Config) (*UI, error) {
	if cfg.Store == nil || cfg.Accounts == nil {
		return nil, errors.New("web: Config.Store and Config.Accounts are required")
	}
	if len(cfg.Secret) < 32 {
		return nil, errors.New("web: Config.Secret must be at least 32 bytes")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	as, err := loadAssets()
	if err != nil {
		return nil, err
	}
	ps, err := parsePages(as)
	if err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.InvitationTTL <= 0 {
		cfg.InvitationTTL = tenantry.DefaultInvitationTTL
	}
	return &UI{
		inviteTTL: cfg.InvitationTTL,
		now:       cfg.Now,
		store:     cfg.Store, accounts: cfg.Accounts, secret: cfg.Secret, secure: cfg.SecureCookies,
		log: cfg.Logger, pages: ps, assets: as, cop: http.NewCrossOriginProtection(),
	}, nil
}
