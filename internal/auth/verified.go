package auth

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/tenantry/tenantry/internal/bounded"
)

// defaultVerifiedMax is how many verified tokens a Tokens remembers.
const defaultVerifiedMax = 10_000

// verifiedCache remembers tokens that passed Parse's full check, so that a
// client sending the same token on every request pays for decoding and the
// HMAC once rather than each time.
//
// Remembering a success is safe because nothing it depended on can change
// while the entry lives:
//   - An entry is keyed by the SHA-256 of the exact token bytes, so a token
//     that differs in any byte (another signature, another payload) misses
//     and gets the full check. The same bytes under the same secret always
//     carry the same valid signature.
//   - The secret, issuer, audience and accepted algorithm are fixed for the
//     life of a Tokens; a new secret means a new Tokens and an empty cache.
//   - The only rules whose answer changes with time (exp, nbf, iat) are
//     applied again on every hit by the same jwt validator, with the same
//     options and clock, that the full check uses.
//   - Revocation, deleted users and AuthVersion are not Parse's business:
//     the server checks them on every request after Parse, through
//     Store.TokenUser (answered by authcache), whether or not Parse hit.
//
// Failures are never remembered, and the cache holds digests, not tokens, so
// its contents cannot be replayed.
type verifiedCache struct {
	max int // most entries held; at least 1

	mu      sync.RWMutex
	entries map[[sha256.Size]byte]*verifiedEntry
}

// verifiedEntry is one verified token. It is never changed once stored, so
// readers may copy it after releasing the lock.
type verifiedEntry struct {
	claims   *Claims // a private deep copy
	verified Verified
	exp      time.Time
}

func newVerifiedCache(n int) *verifiedCache {
	return &verifiedCache{max: max(n, 1), entries: make(map[[sha256.Size]byte]*verifiedEntry)}
}

// get returns the entry for key, or nil.
func (vc *verifiedCache) get(key [sha256.Size]byte) *verifiedEntry {
	vc.mu.RLock()
	e := vc.entries[key]
	vc.mu.RUnlock()
	return e
}

// drop forgets key if it still maps to e.
func (vc *verifiedCache) drop(key [sha256.Size]byte, e *verifiedEntry) {
	vc.mu.Lock()
	if vc.entries[key] == e {
		delete(vc.entries, key)
	}
	vc.mu.Unlock()
}

// put remembers c, which must just have passed the full check, under key.
// When the cache is full it drops expired entries and then arbitrary ones
// until a tenth of it is free, so eviction runs once per many inserts.
func (vc *verifiedCache) put(key [sha256.Size]byte, c *Claims, now time.Time) {
	e := &verifiedEntry{claims: cloneClaims(c), verified: verifiedOf(c), exp: c.ExpiresAt.Time}
	vc.mu.Lock()
	defer vc.mu.Unlock()
	if _, ok := vc.entries[key]; !ok {
		// jwt's exp rule: valid while now < exp.
		bounded.MakeRoom(vc.entries, vc.max, func(old *verifiedEntry) bool { return !now.Before(old.exp) }, nil)
	}
	vc.entries[key] = e
}

// len is the number of entries, for tests.
func (vc *verifiedCache) len() int {
	vc.mu.RLock()
	defer vc.mu.RUnlock()
	return len(vc.entries)
}

// claimsCopy holds a Claims and the values its pointers and slice refer to,
// so that a deep copy costs one allocation.
type claimsCopy struct {
	claims Claims
	dates  [3]jwt.NumericDate
	aud    [1]string
}

// cloneClaims returns a deep copy of c that shares no memory with it.
func cloneClaims(c *Claims) *Claims {
	b := new(claimsCopy)
	b.claims = *c
	b.claims.ExpiresAt = copyDate(&b.dates[0], c.ExpiresAt)
	b.claims.NotBefore = copyDate(&b.dates[1], c.NotBefore)
	b.claims.IssuedAt = copyDate(&b.dates[2], c.IssuedAt)
	switch {
	case c.Audience == nil:
	case len(c.Audience) <= len(b.aud):
		n := copy(b.aud[:], c.Audience)
		b.claims.Audience = b.aud[:n:n]
	default:
		b.claims.Audience = append(jwt.ClaimStrings(nil), c.Audience...)
	}
	return &b.claims
}

func copyDate(dst, src *jwt.NumericDate) *jwt.NumericDate {
	if src == nil {
		return nil
	}
	*dst = *src
	return dst
}
