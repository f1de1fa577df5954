// Package authztest drives Tenantry's HTTP API with every kind of principal
// and proves that no tenant can read, change or detect another's data. Run is
// the authorization matrix; RunReads is its read-isolation part, for stores
// that must hold on a second wall alone. Harness is the small HTTP client
// both use, and the server's own tests too.
package authztest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/server"
)

// Secret is the token secret of every Harness.
const Secret = "authztest-secret-0123456789abcdef"

// Password is the password of every user a Harness creates.
const Password = "correct horse battery"

// RequestID is the X-Request-Id every Harness request sends.
const RequestID = "authztest"

// Harness is an API handler over one store, with a captured log.
type Harness struct {
	T       testing.TB
	Store   tenantry.Store
	Handler http.Handler
	Logs    *SyncBuffer
	Tokens  *auth.Tokens

	hashOnce sync.Once
	hash     string
}

// NewHarness builds the API over store with the Harness secret, logging JSON
// into h.Logs. Options change the server configuration.
func NewHarness(t testing.TB, store tenantry.Store, opts ...func(*server.Config)) *Harness {
	t.Helper()
	logs := &SyncBuffer{}
	// Every principal signs in from the one test address: the sign-in
	// buckets would soon refuse them, so they are off; the other limits
	// keep their defaults. Tests of the limits set their own.
	lim := server.DefaultLimits()
	lim.IPPerMinute, lim.IPBurst, lim.AccountPerMinute, lim.AccountBurst = 0, 0, 0, 0
	cfg := server.Config{
		Store:  store,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Secret: []byte(Secret),
		Limits: &lim,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := server.New(cfg)
	if err != nil {
		t.Fatalf("server.New: %v", err)
	}
	tokens, err := auth.NewTokens([]byte(Secret), server.DefaultIssuer, server.DefaultAudience, server.DefaultTokenTTL, cfg.Now)
	if err != nil {
		t.Fatal(err)
	}
	return &Harness{T: t, Store: store, Handler: h, Logs: logs, Tokens: tokens}
}

// SyncBuffer is a bytes.Buffer safe for concurrent writers.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Response is a recorded answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Problem is the body of an error answer.
type Problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// Problem decodes the body as a problem, failing the test if it is not one.
func (r *Response) Problem(t testing.TB) Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json; body %s", ct, r.Body)
	}
	var p Problem
	if err := json.Unmarshal(r.Body, &p); err != nil || p.Detail == "" {
		t.Fatalf("body is not a problem with a detail: %v: %s", err, r.Body)
	}
	return p
}

// JSON decodes the body into v, failing the test if it cannot.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// Opt changes a request.
type Opt func(*http.Request)

// Bearer sends an Authorization: Bearer header.
func Bearer(token string) Opt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// Cookie sends a cookie.
func Cookie(name, value string) Opt {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

// Header sets a request header.
func Header(k, v string) Opt {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

// Raw is a body sent as is, not encoded as JSON.
type Raw []byte

// Do sends a request. body is nil, Raw, or a value to encode as JSON.
func (h *Harness) Do(method, path string, body any, opts ...Opt) *Response {
	h.T.Helper()
	var rd io.Reader
	json := false
	switch b := body.(type) {
	case nil:
	case Raw:
		rd = bytes.NewReader(b)
		json = true
	case string:
		rd = strings.NewReader(b)
		json = true
	default:
		buf, err := jsonMarshal(b)
		if err != nil {
			h.T.Fatal(err)
		}
		rd = bytes.NewReader(buf)
		json = true
	}
	req := httptest.NewRequest(method, path, rd)
	// One request id for every request (an Opt may change it): answers
	// that must not tell two cases apart are compared byte for byte, and
	// a fresh id in each would be the one difference.
	req.Header.Set("X-Request-Id", RequestID)
	if json {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, o := range opts {
		o(req)
	}
	rec := httptest.NewRecorder()
	h.Handler.ServeHTTP(rec, req)
	return &Response{Status: rec.Code, Header: rec.Result().Header, Body: rec.Body.Bytes()}
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// PasswordHash returns a hash of Password, computed once per Harness.
func (h *Harness) PasswordHash() string {
	h.hashOnce.Do(func() {
		var err error
		if h.hash, err = auth.HashPassword(Password); err != nil {
			h.T.Fatal(err)
		}
	})
	return h.hash
}

// NewUser creates an account with Password directly in the store.
func (h *Harness) NewUser(email string) tenantry.User {
	h.T.Helper()
	u, err := h.Store.CreateUser(context.Background(), email, h.PasswordHash())
	if err != nil {
		h.T.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// Token mints a valid access token for u, as POST /auth/token would.
func (h *Harness) Token(u tenantry.User) string {
	h.T.Helper()
	tok, _, err := h.Tokens.Issue(u)
	if err != nil {
		h.T.Fatal(err)
	}
	return tok
}

// ExpiredToken mints a token for u that expired an hour ago.
func (h *Harness) ExpiredToken(u tenantry.User) string {
	h.T.Helper()
	past, err := auth.NewTokens([]byte(Secret), server.DefaultIssuer, server.DefaultAudience, 30*time.Minute,
		func() time.Time { return time.Now().Add(-2 * time.Hour) })
	if err != nil {
		h.T.Fatal(err)
	}
	tok, _, err := past.Issue(u)
	if err != nil {
		h.T.Fatal(err)
	}
	return tok
}

// ForgedToken signs u's claims with another secret.
func (h *Harness) ForgedToken(u tenantry.User) string {
	h.T.Helper()
	other, err := auth.NewTokens([]byte("not-the-server-secret-0123456789"), server.DefaultIssuer, server.DefaultAudience, time.Hour, nil)
	if err != nil {
		h.T.Fatal(err)
	}
	tok, _, err := other.Issue(u)
	if err != nil {
		h.T.Fatal(err)
	}
	return tok
}

// NoneToken is u's claims with "alg": "none" and no signature.
func (h *Harness) NoneToken(u tenantry.User) string {
	h.T.Helper()
	now := time.Now()
	tok, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{
		"sub": u.ID.String(), "jti": "none-token", "iss": server.DefaultIssuer, "aud": server.DefaultAudience,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "ver": u.AuthVersion,
	}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		h.T.Fatal(err)
	}
	return tok
}

// CookieName is the session cookie's name without SecureCookies.
const CookieName = "tenantry_session"

// Session opens a cookie session for u directly in the store and returns
// the cookie value, as POST /auth/login would.
func (h *Harness) Session(u tenantry.User) string {
	h.T.Helper()
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		h.T.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	now := time.Now().UTC()
	if err := h.Store.CreateSession(context.Background(), tenantry.Session{
		IDHash: sum[:], UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour),
	}, nil); err != nil {
		h.T.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// APIToken creates an API token of u for tenantID through the API, as a
// script's owner would, and returns its id and secret.
func (h *Harness) APIToken(u tenantry.User, tenantID uuid.UUID, scope tenantry.TokenScope) (id, secret string) {
	h.T.Helper()
	res := h.Do(http.MethodPost, "/api/"+u.ID.String()+"/tokens",
		map[string]any{"name": "script", "tenant_id": tenantID, "scope": scope}, Bearer(h.Token(u)))
	var out struct {
		ID    string `json:"id"`
		Token string `json:"token"`
	}
	if res.Status != http.StatusCreated {
		h.T.Fatalf("create API token: %d %s", res.Status, res.Body)
	}
	res.JSON(h.T, &out)
	return out.ID, out.Token
}
