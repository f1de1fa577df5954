package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// ErrInvalidToken is returned by Parse for any token that must not be
// accepted. The reason is wrapped for logging, never for the client.
var ErrInvalidToken = errors.New("auth: invalid token")

// minSecretLen is the shortest HS256 secret Tokens accepts.
const minSecretLen = 32

// Claims are the claims of an access token.
type Claims struct {
	jwt.RegisteredClaims
	// Version is the user's AuthVersion when the token was issued; a token
	// whose version is behind the user's is stale.
	Version int64 `json:"ver"`
}

// UserID returns the subject as a user id.
func (c *Claims) UserID() (uuid.UUID, error) {
	return uuid.Parse(c.Subject)
}

// Tokens issues and checks HS256 access tokens. It remembers the tokens it
// has verified (see verifiedCache for why that is safe), which relies on its
// secret, issuer and audience never changing: a new secret needs a new
// Tokens.
type Tokens struct {
	secret   []byte
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	parser   *jwt.Parser
	// validator applies the parser's claim rules, with the same options and
	// clock, to a remembered token.
	validator *jwt.Validator
	// keyfunc hands the parser the secret; the parser calls it once per
	// signature it verifies.
	keyfunc jwt.Keyfunc
	// verified remembers tokens that passed the full check; nil remembers
	// none.
	verified *verifiedCache
}

// NewTokens returns a Tokens that signs with secret (at least 32 bytes) and
// stamps and requires issuer and audience. Tokens live for ttl; now is the
// clock (time.Now if nil).
func NewTokens(secret []byte, issuer, audience string, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if len(secret) < minSecretLen {
		return nil, fmt.Errorf("auth: token secret must be at least %d bytes", minSecretLen)
	}
	if issuer == "" || audience == "" {
		return nil, errors.New("auth: token issuer and audience are required")
	}
	if ttl <= 0 {
		return nil, errors.New("auth: token lifetime must be positive")
	}
	if now == nil {
		now = time.Now
	}
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuer(issuer),
		jwt.WithAudience(audience),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(now),
		jwt.WithStrictDecoding(),
	}
	t := &Tokens{
		secret:    append([]byte(nil), secret...),
		issuer:    issuer,
		audience:  audience,
		ttl:       ttl,
		now:       now,
		parser:    jwt.NewParser(opts...),
		validator: jwt.NewValidator(opts...),
		verified:  newVerifiedCache(defaultVerifiedMax),
	}
	t.keyfunc = func(*jwt.Token) (any, error) { return t.secret, nil }
	return t, nil
}

// TTL is how long an issued token lives.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs a token for u.
func (t *Tokens) Issue(u tenantry.User) (string, *Claims, error) {
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", nil, fmt.Errorf("auth: reading token id: %w", err)
	}
	now := t.now().UTC().Truncate(time.Second)
	c := &Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    t.issuer,
			Subject:   u.ID.String(),
			Audience:  jwt.ClaimStrings{t.audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        base64.RawURLEncoding.EncodeToString(jti),
		},
		Version: u.AuthVersion,
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(t.secret)
	if err != nil {
		return "", nil, fmt.Errorf("auth: signing token: %w", err)
	}
	return s, c, nil
}

// Parse checks a token's signature, algorithm, issuer, audience and times,
// and that it names a user and carries an id. Every failure wraps
// ErrInvalidToken. The claims returned are the caller's own.
//
// A token that passed once is remembered by the digest of its bytes; until it
// expires, the same bytes are answered without decoding or verifying the
// signature again, after the time rules (exp, nbf, iat) are applied again.
// A remembered token that fails them is forgotten and checked in full, so
// every rejection comes from the full check.
func (t *Tokens) Parse(token string) (*Claims, error) {
	e, c, err := t.check(token)
	switch {
	case err != nil:
		return nil, err
	case e != nil:
		return cloneClaims(e.claims), nil
	}
	return c, nil
}

// Verified is what a token that passed Parse's checks says about its
// bearer, as plain values.
type Verified struct {
	UserID    uuid.UUID // the subject
	ID        string    // the token id (jti)
	Version   int64     // the user's AuthVersion at issue
	ExpiresAt time.Time
}

// Verify checks a token as Parse does and returns what it says. Unlike
// Parse's claims, a Verified holds nothing a caller could change in the
// cache, so a remembered token is answered without a copy.
func (t *Tokens) Verify(token string) (Verified, error) {
	e, c, err := t.check(token)
	switch {
	case err != nil:
		return Verified{}, err
	case e != nil:
		return e.verified, nil
	}
	return verifiedOf(c), nil
}

// verifiedOf is the Verified of claims that passed the full check (which
// made sure the subject is a user id).
func verifiedOf(c *Claims) Verified {
	uid, _ := c.UserID()
	return Verified{UserID: uid, ID: c.ID, Version: c.Version, ExpiresAt: c.ExpiresAt.Time}
}

// check is Parse's and Verify's check: the remembered entry of a token
// that passed before and still meets the time rules, or else the claims
// of the full check, which are remembered for next time.
func (t *Tokens) check(token string) (*verifiedEntry, *Claims, error) {
	var key [sha256.Size]byte
	if t.verified != nil {
		key = digest(token)
		if e := t.verified.get(key); e != nil {
			if t.validator.Validate(e.claims) == nil {
				return e, nil, nil
			}
			t.verified.drop(key, e)
		}
	}
	c, err := t.parse(token)
	if err != nil {
		return nil, nil, err
	}
	if t.verified != nil {
		t.verified.put(key, c, t.now())
	}
	return nil, c, nil
}

// digest is the verified cache's key for token: its SHA-256, hashed from a
// copy on the stack (a token is a few hundred bytes) rather than one on
// the heap for every request.
func digest(token string) [sha256.Size]byte {
	var buf [512]byte
	return sha256.Sum256(append(buf[:0], token...))
}

// parse is Parse without the cache: the full check.
func (t *Tokens) parse(token string) (*Claims, error) {
	c := &Claims{}
	tok, err := t.parser.ParseWithClaims(token, c, t.keyfunc)
	if err != nil {
		return nil, tokenError{err}
	}
	// RFC 7515 4.1.11: a header parameter listed in crit must be
	// understood, and none is: such a token is refused.
	if _, ok := tok.Header["crit"]; ok {
		return nil, fmt.Errorf("%w: crit header", ErrInvalidToken)
	}
	if _, err := c.UserID(); err != nil {
		return nil, fmt.Errorf("%w: subject is not a user id", ErrInvalidToken)
	}
	if c.ID == "" {
		return nil, fmt.Errorf("%w: missing token id", ErrInvalidToken)
	}
	if c.IssuedAt == nil {
		return nil, fmt.Errorf("%w: missing issued-at", ErrInvalidToken)
	}
	// Every token is issued for the configured lifetime: one signed with
	// the right key but a far exp (a leaked secret, a past configuration)
	// must not outlive it.
	if c.ExpiresAt.Sub(c.IssuedAt.Time) > t.ttl {
		return nil, fmt.Errorf("%w: lifetime longer than %s", ErrInvalidToken, t.ttl)
	}
	return c, nil
}

// tokenError is a failure of the jwt parser: ErrInvalidToken and the
// parser's error both, with a message cut short, as it goes into logs and
// may quote what the client sent (an exp that is no number, whole).
type tokenError struct{ err error }

func (e tokenError) Error() string {
	msg := e.err.Error()
	if len(msg) > maxReasonLen {
		msg = strings.ToValidUTF8(msg[:maxReasonLen], "") + "..."
	}
	return ErrInvalidToken.Error() + ": " + msg
}

func (e tokenError) Unwrap() []error { return []error{ErrInvalidToken, e.err} }

// maxReasonLen bounds the parser's message in a token error.
const maxReasonLen = 200
