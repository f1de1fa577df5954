// Package server is Tenantry's HTTP API: huma operations on net/http's
// ServeMux, with authentication, tenant checks and error mapping. routes.go
// lists the whole API surface.
package server

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/web"
)

// Defaults for the zero values of Config.
const (
	DefaultIssuer      = "tenantry"
	DefaultAudience    = "tenantry-api"
	DefaultTokenTTL    = 30 * time.Minute
	DefaultSessionIdle = 30 * time.Minute
	DefaultSessionMax  = 24 * time.Hour
)

// maxBodyBytes is the largest request body any operation accepts.
const maxBodyBytes = 1 << 20

// Config is what the HTTP API is built from.
type Config struct {
	// Store keeps everything. Required.
	Store tenantry.Store
	// Logger receives request errors and security events. Nil discards them.
	Logger *slog.Logger
	// Secret signs access tokens (HS256); at least 32 bytes. Required.
	Secret []byte
	// Issuer and Audience are stamped into tokens and required on the way
	// back in ("tenantry" and "tenantry-api" by default).
	Issuer   string
	Audience string
	// TokenTTL is the lifetime of an access token (30 minutes by default).
	TokenTTL time.Duration
	// SessionIdle ends a cookie session unused for this long (30 minutes by
	// default); SessionMax ends any session this long after login (24 hours).
	SessionIdle time.Duration
	SessionMax  time.Duration
	// SecureCookies marks the session cookie Secure and names it with the
	// __Host- prefix. Set it whenever the API is served over TLS.
	SecureCookies bool
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// Metrics, when set, receives the request counters and latency
	// histograms. The API does not serve them: aggregate request counts say
	// how busy the service is, so serve MetricsHandler(Metrics) on a
	// listener only operators reach.
	Metrics *prometheus.Registry
	// Version is the release the OpenAPI document's info.version names
	// ("dev" by default).
	Version string
	// AccessLog logs one line per request at info: method, route pattern,
	// status, bytes, duration, caller and request id (accesslog.go).
	AccessLog bool
	// CORSOrigins, when set, are the exact origins ("https://app.example")
	// whose pages may call the API, with credentials (cors.go). Empty, no
	// cross-origin page may.
	CORSOrigins []string
	// InvitationTTL is how long an invitation can be accepted
	// (tenantry.DefaultInvitationTTL by default).
	InvitationTTL time.Duration
	// Notifier, when set, is handed each new invitation's token, to deliver
	// it (by mail, say). Without one the inviter passes the token on.
	Notifier tenantry.Notifier
	// Limits bounds what one client, account, user or tenant may ask
	// (DefaultLimits when nil; &Limits{} turns every limit off).
	Limits *Limits
	// hashObserver, when set, sees each argon2id computation start with
	// the number running (tests).
	hashObserver func(running int)
	// timer, when set, ends the limits' waits (a tenant's slot, a user's
	// turn) in place of time.NewTimer (tests, on a fake clock).
	timer func(time.Duration) (<-chan time.Time, func() bool)
	// attemptWindow and maxAttempts, when set, replace the refused
	// attempts' window and bound (attempts.go; tests).
	attemptWindow time.Duration
	maxAttempts   int
}

// server holds the dependencies every operation uses.
type server struct {
	store       tenantry.Store
	log         *slog.Logger
	tokens      *auth.Tokens
	now         func() time.Time
	cookieName  string
	secure      bool
	sessionIdle time.Duration
	sessionMax  time.Duration
	csrf        *http.CrossOriginProtection
	metrics     *metrics
	bodyTimeout time.Duration
	accessLog   bool
	lim         *limits
	inviteTTL   time.Duration
	notifier    tenantry.Notifier
	attempts    *attempts
}

// New builds the HTTP API over cfg.Store.
func New(cfg Config) (http.Handler, error) {
	return newHandler(cfg, bodyReadTimeout)
}

// newHandler is New with the bound on reading one request body.
func newHandler(cfg Config, bodyTimeout time.Duration) (http.Handler, error) {
	if cfg.Store == nil {
		return nil, errors.New("server: Config.Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	if cfg.Audience == "" {
		cfg.Audience = DefaultAudience
	}
	if cfg.TokenTTL == 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionMax == 0 {
		cfg.SessionMax = DefaultSessionMax
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = tenantry.DefaultInvitationTTL
	}
	if cfg.SessionIdle < 0 || cfg.SessionMax < 0 || cfg.InvitationTTL < 0 {
		return nil, errors.New("server: session and invitation lifetimes must be positive")
	}
	tokens, err := auth.NewTokens(cfg.Secret, cfg.Issuer, cfg.Audience, cfg.TokenTTL, cfg.Now)
	if err != nil {
		return nil, err
	}
	lim := DefaultLimits()
	if cfg.Limits != nil {
		lim = *cfg.Limits
	}
	s := &server{
		store:       cfg.Store,
		log:         cfg.Logger,
		tokens:      tokens,
		now:         cfg.Now,
		cookieName:  "tenantry_session",
		secure:      cfg.SecureCookies,
		sessionIdle: cfg.SessionIdle,
		sessionMax:  cfg.SessionMax,
		csrf:        http.NewCrossOriginProtection(),
		bodyTimeout: bodyTimeout,
		accessLog:   cfg.AccessLog,
		lim:         newLimits(lim),
		inviteTTL:   cfg.InvitationTTL,
		notifier:    cfg.Notifier,
	}
	if cfg.hashObserver != nil && s.lim.hashing != nil {
		s.lim.hashing.OnCompute(cfg.hashObserver)
	}
	if cfg.timer != nil {
		s.lim.timer = cfg.timer
		if s.lim.tenants != nil {
			s.lim.tenants.WithTimer(cfg.timer)
		}
	}
	if cfg.SecureCookies {
		s.cookieName = "__Host-tenantry_session"
	}
	mux := newSplitMux(s.writePlainProblem)
	if cfg.Metrics != nil {
		if s.metrics, err = newMetrics(cfg.Metrics); err != nil {
			return nil, err
		}
		if lim.Redis != nil {
			if err := registerRateBackend(cfg.Metrics, lim.Redis); err != nil {
				return nil, err
			}
		}
	}
	s.attempts = newAttempts(s.writeAttempt, s.log, s.metrics)
	if cfg.attemptWindow > 0 {
		s.attempts.window = cfg.attemptWindow
	}
	if cfg.maxAttempts > 0 {
		s.attempts.max = cfg.maxAttempts
	}
	api := humago.New(mux, apiConfig(s.cookieName, cfg.Version))
	api.UseMiddleware(s.recoverer(api), s.observe, s.authenticate(api), s.limitCalls(api), s.guardBody(api))
	s.routes(api)
	s.pages(mux)
	ui, err := web.New(web.Config{Store: cfg.Store, Accounts: webAccounts{s}, Secret: cfg.Secret, SecureCookies: cfg.SecureCookies, Logger: cfg.Logger, InvitationTTL: cfg.InvitationTTL, Now: cfg.Now})
	if err != nil {
		return nil, err
	}
	ui.Register(mux)
	h, err := s.cors(cfg.CORSOrigins, stripTrailingSlash(mux))
	if err != nil {
		return nil, err
	}
	return s.edge(h), nil
}

// apiConfig is the huma configuration: OpenAPI 3.1 at /openapi.json (and
// 3.0 at /openapi-3.0.json), no docs page of huma's (its renderers load their
// scripts from a CDN; /docs is served from the binary, see pages), no $schema
// links in bodies (they would be one more field clients must ignore), and the
// two ways to authenticate.
func apiConfig(cookieName, version string) huma.Config {
	cfg := huma.DefaultConfig("Tenantry", version)
	cfg.CreateHooks = nil // drops the $schema link transformer
	cfg.DocsPath = ""
	cfg.Transformers = []huma.Transformer{shapeErrors, stampInstance}
	cfg.SchemasPath = ""
	cfg.Info.Description = apiDescription
	cfg.Info.License = &huma.License{Name: "Apache-2.0", URL: "https://www.apache.org/licenses/LICENSE-2.0"}
	// Relative: the document describes the server that serves it, on
	// whatever host and scheme it was reached.
	cfg.Servers = []*huma.Server{{URL: "/", Description: "The server that serves this document."}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		// OAuth2 password flow, as FastAPI's OAuth2PasswordBearer declares
		// it: tools such as /docs' Authorize button learn where to get the
		// token. The token is sent as "Authorization: Bearer <token>".
		schemeBearer: {
			Type:        "oauth2",
			Description: "An access token (a JWT) from POST /auth/token, where the username is the account's email; sent as `Authorization: Bearer <token>`.",
			Flows: &huma.OAuthFlows{
				Password: &huma.OAuthFlow{TokenURL: "/auth/token", Scopes: map[string]string{}},
			},
		},
		schemeCookie: {
			Type:        "apiKey",
			In:          "cookie",
			Name:        cookieName,
			Description: "A session cookie from POST /auth/login. Writes must come from the same origin.",
		},
	}
	return cfg
}

// ruleMark tags the errors that Resolve methods add: checks the schema
// cannot express (a blank title, exactly one of two fields). It travels in
// ErrorDetail.Value, which shapeErrors always clears.
type ruleMark struct{}

// ruleError is an error of a Resolve method at loc.
func ruleError(loc, msg string) error {
	return &huma.ErrorDetail{Location: loc, Message: msg, Value: ruleMark{}}
}

// shapeErrors prepares validation errors for the client: a Resolve rule's
// error is dropped where another error sits at, above or below its location
// (huma runs Resolve on input that failed the schema, and "title must not be
// blank" for {"title":5} only misleads); no error echoes the input, which may
// be a password; "validation failed" becomes the first error's location and
// message.
func shapeErrors(_ huma.Context, _ string, v any) (any, error) {
	e, ok := v.(*huma.ErrorModel)
	if !ok || len(e.Errors) == 0 {
		return v, nil
	}
	var failed []string
	for _, d := range e.Errors {
		if d != nil && !isRule(d) {
			failed = append(failed, d.Location)
		}
	}
	kept := make([]*huma.ErrorDetail, 0, len(e.Errors))
	for _, d := range e.Errors {
		if d == nil || isRule(d) && overlaps(d.Location, failed) {
			continue
		}
		d.Value = nil
		d.Message = unquoteInput(d.Message)
		kept = append(kept, d)
	}
	e.Errors = kept
	if e.Detail == msgValidationFailed && len(kept) > 0 {
		e.Detail = kept[0].Message
		if kept[0].Location != "" {
			e.Detail = kept[0].Location + ": " + kept[0].Message
		}
	}
	return e, nil
}

// unquoteInput cuts what a format check quotes of the input out of its
// message: huma's UUID check says `invalid urn prefix: "<the first nine
// characters>"`, which may be a secret pasted in the wrong field.
func unquoteInput(msg string) string {
	if !strings.HasPrefix(msg, "expected string to be ") {
		return msg
	}
	if i := strings.IndexByte(msg, '"'); i >= 0 {
		msg = strings.TrimRight(msg[:i], ": ")
	}
	return msg
}

// msgValidationFailed is huma's detail for every validation error.
const msgValidationFailed = "validation failed"

func isRule(d *huma.ErrorDetail) bool {
	_, ok := d.Value.(ruleMark)
	return ok
}

// overlaps reports whether loc is, contains or is inside one of locs.
func overlaps(loc string, locs []string) bool {
	for _, l := range locs {
		if within(loc, l) || within(l, loc) {
			return true
		}
	}
	return false
}

// within reports whether location a is b or inside it ("body.title" is
// within "body"; "body.titles" is not within "body.title").
func within(a, b string) bool {
	if !strings.HasPrefix(a, b) {
		return false
	}
	return len(a) == len(b) || a[len(b)] == '.' || a[len(b)] == '['
}

const apiDescription = `Tenantry is a multi-tenant task service. A tenant is a user's personal space
or an organization; no tenant can read, change or detect another tenant's data.

Conventions:
- Every path also answers with a trailing slash ("/api/{user_id}/tasks/" is "/api/{user_id}/tasks").
- Ids are UUIDs. A path id that is not a UUID names nothing and is answered like an unknown one (404),
  except a personal path's {user_id}, which is not the caller's and is answered 403.
- "me" stands for the caller's own id in a personal path: /api/me/tasks is /api/{your id}/tasks, with the
  same authentication, cross-origin checks and limits, and its Link headers point back at /api/me/tasks.
- Timestamps are RFC 3339 in UTC.
- Errors are RFC 9457 problem details (application/problem+json) with a human "detail".
- Request bodies are JSON (UTF-8, at most 1 MiB; 8 KiB on /auth/register, /auth/login and /auth/token) with
  no unknown fields, keys spelled exactly (case included), no key given twice, and null only where a field
  is nullable; /auth/token takes a form (application/x-www-form-urlencoded).
  A body that is not JSON or not UTF-8 is 400; one that breaks the schema or a rule is 422; over the bound
  is 413; of another Content-Type is 415; one that does not arrive within 5 seconds is 408.
- Emails are bare addresses (name@example.com: no display name or comment), matched without regard to case.
- Too many requests are 429 with Retry-After (seconds): sign-ups and sign-ins per address and per account (a
  failed one counts more), requests per user, requests in flight per tenant.
- Limits, counted in characters: task title 1-200 (one line, not blank), description up to 5000,
  organization name 1-100. Control characters are refused (a description may hold tabs and line breaks).`
