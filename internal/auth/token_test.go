package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

const testSecret = "0123456789abcdef0123456789abcdef"

func newTestTokens(t *testing.T, now time.Time) *Tokens {
	t.Helper()
	tk, err := NewTokens([]byte(testSecret), "tenantry", "tenantry-api", 30*time.Minute, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestIssueParse(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tk := newTestTokens(t, now)
	u := tenantry.User{ID: uuid.Must(uuid.NewV7()), AuthVersion: 7}
	tok, issued, err := tk.Issue(u)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tk.Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Subject, u.ID.String(); got != want {
		t.Errorf("sub = %q, want %q", got, want)
	}
	if got, want := c.Version, int64(7); got != want {
		t.Errorf("ver = %d, want %d", got, want)
	}
	if got, want := c.ID, issued.ID; got != want || got == "" {
		t.Errorf("jti = %q, want %q (non-empty)", got, want)
	}
	if got, want := c.ExpiresAt.Time, now.Add(30*time.Minute); !got.Equal(want) {
		t.Errorf("exp = %v, want %v", got, want)
	}
	_, again, err := tk.Issue(u)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == issued.ID {
		t.Error("two tokens share a jti")
	}
}

// sign builds a token with any method and claims, for the rejection cases.
func sign(t *testing.T, m jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signHeader signs claims with the test secret and extra header fields.
func signHeader(t *testing.T, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	for k, v := range header {
		tok.Header[k] = v
	}
	s, err := tok.SignedString([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tk := newTestTokens(t, now)
	sub := uuid.Must(uuid.NewV7()).String()
	good := func() jwt.MapClaims {
		return jwt.MapClaims{
			"sub": sub, "jti": "abc", "iss": "tenantry", "aud": "tenantry-api", "ver": 1,
			"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Minute).Unix(),
		}
	}
	with := func(k string, v any) jwt.MapClaims {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	valid := sign(t, jwt.SigningMethodHS256, []byte(testSecret), good())
	if _, err := tk.Parse(valid); err != nil {
		t.Fatalf("control token rejected: %v", err)
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, good()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(valid, ".")
	for _, tc := range []struct {
		name, token string
	}{
		{"wrong signature", sign(t, jwt.SigningMethodHS256, []byte("another secret of thirty-two b.."), good())},
		{"tampered payload", parts[0] + "." + strings.Split(sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("sub", uuid.NewString())), ".")[1] + "." + parts[2]},
		{"alg none", none},
		{"alg none, signature stripped from valid", parts[0] + "." + parts[1] + "."},
		{"HS384", sign(t, jwt.SigningMethodHS384, []byte(testSecret), good())},
		{"RS256", sign(t, jwt.SigningMethodRS256, rsaKey, good())},
		{"expired", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("exp", now.Add(-time.Second).Unix()))},
		{"missing exp", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("exp", nil))},
		{"issued in the future", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("iat", now.Add(time.Hour).Unix()))},
		{"missing iat", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("iat", nil))},
		{"wrong iss", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("iss", "someone"))},
		{"missing iss", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("iss", nil))},
		{"wrong aud", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("aud", "other-api"))},
		{"missing aud", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("aud", nil))},
		{"missing sub", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("sub", nil))},
		{"sub not a uuid", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("sub", "1"))},
		{"missing jti", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("jti", nil))},
		{"far exp", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("exp", now.Add(365*24*time.Hour).Unix()))},
		{"exp a second past the lifetime", sign(t, jwt.SigningMethodHS256, []byte(testSecret), with("exp", now.Add(-time.Minute+30*time.Minute+time.Second).Unix()))},
		{"crit header", signHeader(t, map[string]any{"crit": []string{"exp"}}, good())},
		{"empty crit header", signHeader(t, map[string]any{"crit": []string{}}, good())},
		{"garbage", "not.a.token"},
		{"empty", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := tk.Parse(tc.token)
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Parse = %v, %v; want ErrInvalidToken", c, err)
			}
		})
	}
}

func TestNewTokensRejectsShortSecret(t *testing.T) {
	t.Parallel()
	if _, err := NewTokens([]byte("short"), "i", "a", time.Minute, nil); err == nil {
		t.Fatal("NewTokens accepted a 5-byte secret")
	}
}

// TestParseAcceptsFullLifetime: a token whose exp is exactly iat plus the
// lifetime, as Issue makes them, is accepted; the bound is not off by one.
func TestParseAcceptsFullLifetime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tk := newTestTokens(t, now)
	tok := sign(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{
		"sub": uuid.NewString(), "jti": "abc", "iss": "tenantry", "aud": "tenantry-api", "ver": 1,
		"iat": now.Add(-time.Minute).Unix(), "exp": now.Add(-time.Minute + 30*time.Minute).Unix(),
	})
	if _, err := tk.Parse(tok); err != nil {
		t.Fatalf("a token of exactly the lifetime: %v", err)
	}
}

// TestParseErrorBounded: the parser's message, which may quote the token
// (a time claim that is no number is quoted whole), is cut short before it
// can reach a log.
func TestParseErrorBounded(t *testing.T) {
	t.Parallel()
	tk := newTestTokens(t, time.Now())
	long := strings.Repeat("A", 10000)
	for name, tok := range map[string]string{
		"long unknown header field": signHeader(t, map[string]any{long: 1}, jwt.MapClaims{"sub": "x"}),
		"long garbage":              long + "." + long + "." + long,
		"long claim name":           sign(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{long: 1}),
		"long exp, quoted back":     sign(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"exp": long}),
		"long iat, quoted back":     sign(t, jwt.SigningMethodHS256, []byte(testSecret), jwt.MapClaims{"iat": long}),
	} {
		_, err := tk.Parse(tok)
		if !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("%s: %v, want ErrInvalidToken", name, err)
		}
		if n := len(err.Error()); n > 300 {
			t.Errorf("%s: the error is %d bytes: %.100s...", name, n, err)
		}
	}
}
