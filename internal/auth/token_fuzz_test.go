package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"
)

// FuzzTokenParse signs any header and payload with the right key, so that
// what is fuzzed is everything past the signature. Parse must not panic;
// a refusal wraps ErrInvalidToken with a bounded message; an accepted token
// has an HS256 header without crit, the issuer and audience, a user id, a
// token id, and a lifetime within the configured one; and asking again (from
// the cache) or asking a Tokens without one gives the same claims.
func FuzzTokenParse(f *testing.F) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	sub := uuid.MustParse("01a23ef4-f236-75bd-ac2f-8cb838b71f63").String()
	claims := func(iat, exp int64) string {
		b, _ := json.Marshal(map[string]any{"sub": sub, "jti": "j", "iss": "tenantry", "aud": "tenantry-api", "ver": 1, "iat": iat, "exp": exp})
		return string(b)
	}
	hs := `{"alg":"HS256","typ":"JWT"}`
	iat := now.Add(-time.Minute).Unix()
	for _, s := range [][2]string{
		{hs, claims(iat, iat+1800)},
		{hs, claims(iat, iat+1801)},
		{hs, claims(iat, now.Add(365*24*time.Hour).Unix())},
		{`{"alg":"HS256","crit":["exp"]}`, claims(iat, iat+60)},
		{`{"alg":"none"}`, claims(iat, iat+60)},
		{`{"alg":"HS384"}`, claims(iat, iat+60)},
		{hs, `{"sub":"x","exp":"` + "A" + `"}`},
		{hs, `{"sub":"` + sub + `","jti":"j","iss":"tenantry","aud":["tenantry-api","x"],"iat":1,"exp":2}`},
		{hs, `{}`},
		{hs, `null`},
		{`[]`, `[]`},
	} {
		f.Add(s[0], s[1])
	}
	const ttl = 30 * time.Minute
	f.Fuzz(func(t *testing.T, header, payload string) {
		clock := func() time.Time { return now }
		tk, err := NewTokens([]byte(testSecret), "tenantry", "tenantry-api", ttl, clock)
		if err != nil {
			t.Fatal(err)
		}
		ref, _ := NewTokens([]byte(testSecret), "tenantry", "tenantry-api", ttl, clock)
		ref.verified = nil
		enc := base64.RawURLEncoding
		signing := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
		mac := hmac.New(sha256.New, []byte(testSecret))
		mac.Write([]byte(signing))
		token := signing + "." + enc.EncodeToString(mac.Sum(nil))

		c, err := tk.Parse(token)
		_, refErr := ref.Parse(token)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("cached Tokens %v, uncached %v", err, refErr)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("refusal %v does not wrap ErrInvalidToken", err)
			}
			if len(err.Error()) > 400 {
				t.Fatalf("refusal is %d bytes", len(err.Error()))
			}
			return
		}
		var h map[string]any
		if json.Unmarshal([]byte(header), &h) != nil || h["alg"] != "HS256" {
			t.Fatalf("accepted header %q", header)
		}
		if _, ok := h["crit"]; ok {
			t.Fatalf("accepted a crit header %q", header)
		}
		if _, err := uuid.Parse(c.Subject); err != nil || c.ID == "" || c.IssuedAt == nil || c.ExpiresAt == nil {
			t.Fatalf("accepted claims %+v", c)
		}
		if c.Issuer != "tenantry" || len(c.Audience) == 0 {
			t.Fatalf("accepted issuer %q audience %v", c.Issuer, c.Audience)
		}
		if life := c.ExpiresAt.Sub(c.IssuedAt.Time); life > ttl {
			t.Fatalf("accepted a lifetime of %s", life)
		}
		if !c.ExpiresAt.After(now) || c.IssuedAt.After(now) {
			t.Fatalf("accepted iat %v exp %v at %v", c.IssuedAt, c.ExpiresAt, now)
		}
		again, err := tk.Parse(token)
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Fatalf("asked again: %+v, %v; first %+v", again, err, c)
		}
	})
}
