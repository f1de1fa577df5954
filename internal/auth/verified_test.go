package auth

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// testClock is a clock tests can move, safe for concurrent use.
type testClock struct{ ns atomic.Int64 }

func newTestClock(t time.Time) *testClock {
	c := &testClock{}
	c.set(t)
	return c
}

func (c *testClock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// newClockTokens returns a Tokens on clock and a counter of the signatures
// it verifies: the parser asks its keyfunc for the key once per signature.
// Its lifetime (two hours) covers the hour-long tokens these tests sign.
func newClockTokens(t testing.TB, clock *testClock) (*Tokens, *atomic.Int64) {
	t.Helper()
	tk, err := NewTokens([]byte(testSecret), "tenantry", "tenantry-api", 2*time.Hour, clock.now)
	if err != nil {
		t.Fatal(err)
	}
	n := new(atomic.Int64)
	key := tk.keyfunc
	tk.keyfunc = func(tok *jwt.Token) (any, error) {
		n.Add(1)
		return key(tok)
	}
	return tk, n
}

// uncached returns a Tokens on clock that remembers nothing: the reference
// every cached answer must agree with.
func uncached(t testing.TB, clock *testClock) *Tokens {
	t.Helper()
	tk, _ := newClockTokens(t, clock)
	tk.verified = nil
	return tk
}

// signAt signs a valid token issued at iat and expiring at exp, with a
// not-before if nbf is not zero.
func signAt(t testing.TB, iat, exp, nbf time.Time, jti string) string {
	t.Helper()
	c := jwt.MapClaims{
		"sub": "0190a5b2-7c3e-7d1f-8a2b-3c4d5e6f7a8b", "jti": jti, "iss": "tenantry", "aud": "tenantry-api", "ver": 1,
		"iat": iat.Unix(), "exp": exp.Unix(),
	}
	if !nbf.IsZero() {
		c["nbf"] = nbf.Unix()
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestParseAnswersRememberedTokenWithoutVerifying(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	tk, verifications := newClockTokens(t, clock)
	tok, _, err := tk.Issue(tenantry.User{ID: uuid.Must(uuid.NewV7()), AuthVersion: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		c, err := tk.Parse(tok)
		if err != nil {
			t.Fatalf("Parse #%d: %v", i, err)
		}
		if got, want := c.Version, int64(3); got != want {
			t.Fatalf("Parse #%d: ver = %d, want %d", i, got, want)
		}
	}
	if got, want := verifications.Load(), int64(1); got != want {
		t.Errorf("signatures verified = %d, want %d", got, want)
	}
	if got, want := tk.verified.len(), 1; got != want {
		t.Errorf("cache entries = %d, want %d", got, want)
	}
}

func TestParseRejectsAlteredSignatureOfRememberedToken(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	tk, verifications := newClockTokens(t, clock)
	tok, _, err := tk.Issue(tenantry.User{ID: uuid.Must(uuid.NewV7())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tk.Parse(tok); err != nil {
		t.Fatal(err)
	}
	sig := strings.LastIndexByte(tok, '.') + 1
	for i := sig; i < len(tok); i++ {
		b := []byte(tok)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		if c, err := tk.Parse(string(b)); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("signature byte %d changed: Parse = %v, %v; want ErrInvalidToken", i-sig, c, err)
		}
	}
	if got, want := tk.verified.len(), 1; got != want {
		t.Errorf("cache entries = %d, want %d (failures must not be remembered)", got, want)
	}
	before := verifications.Load()
	if _, err := tk.Parse(tok); err != nil {
		t.Fatalf("original after altered copies: %v", err)
	}
	if got := verifications.Load(); got != before {
		t.Errorf("original verified again (%d -> %d), want a cache hit", before, got)
	}
}

func TestParseNeverRemembersFailure(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	clock := newTestClock(t0)
	tk, verifications := newClockTokens(t, clock)
	notYet := signAt(t, t0.Add(-time.Minute), t0.Add(time.Hour), t0.Add(time.Minute), "nbf")
	for range 3 {
		if _, err := tk.Parse(notYet); !errors.Is(err, jwt.ErrTokenNotValidYet) {
			t.Fatalf("Parse before nbf = %v, want ErrTokenNotValidYet", err)
		}
	}
	if got, want := verifications.Load(), int64(3); got != want {
		t.Errorf("signatures verified = %d, want %d", got, want)
	}
	if got, want := tk.verified.len(), 0; got != want {
		t.Errorf("cache entries = %d, want %d", got, want)
	}
}

// TestParseRememberedTimeRules caches a token at one time and asks again at
// another: the answer must be the one the full check gives at that time,
// boundaries included.
func TestParseRememberedTimeRules(t *testing.T) {
	t.Parallel()
	iat := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	nbf := iat.Add(10 * time.Minute)
	exp := iat.Add(time.Hour)
	for _, tc := range []struct {
		name           string
		nbf            time.Time
		cacheAt, askAt time.Time
		wantErr        error // nil: accepted from the cache
	}{
		{"a nanosecond before exp", time.Time{}, iat, exp.Add(-time.Nanosecond), nil},
		{"exactly at exp", time.Time{}, iat, exp, jwt.ErrTokenExpired},
		{"after exp", time.Time{}, iat, exp.Add(time.Second), jwt.ErrTokenExpired},
		{"exactly at iat", time.Time{}, iat.Add(time.Minute), iat, nil},
		{"clock back before iat", time.Time{}, iat, iat.Add(-time.Nanosecond), jwt.ErrTokenUsedBeforeIssued},
		{"exactly at nbf", nbf, nbf.Add(time.Minute), nbf, nil},
		{"clock back before nbf", nbf, nbf, nbf.Add(-time.Nanosecond), jwt.ErrTokenNotValidYet},
		{"nbf, a nanosecond before exp", nbf, nbf, exp.Add(-time.Nanosecond), nil},
		{"nbf, exactly at exp", nbf, nbf, exp, jwt.ErrTokenExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newTestClock(tc.cacheAt)
			tk, verifications := newClockTokens(t, clock)
			ref := uncached(t, clock)
			tok := signAt(t, iat, exp, tc.nbf, "t")
			if _, err := tk.Parse(tok); err != nil {
				t.Fatalf("Parse at %v: %v", tc.cacheAt, err)
			}
			clock.set(tc.askAt)
			c, err := tk.Parse(tok)
			_, refErr := ref.Parse(tok)
			if got, want := errText(err), errText(refErr); got != want {
				t.Fatalf("cached answer %q, full check %q", got, want)
			}
			if tc.wantErr == nil {
				if err != nil || c == nil {
					t.Fatalf("Parse = %v, %v; want claims", c, err)
				}
				if got, want := verifications.Load(), int64(1); got != want {
					t.Errorf("signatures verified = %d, want %d (a cache hit)", got, want)
				}
				return
			}
			if !errors.Is(err, ErrInvalidToken) || !errors.Is(err, tc.wantErr) {
				t.Fatalf("Parse = %v, %v; want ErrInvalidToken and %v", c, err, tc.wantErr)
			}
			if got, want := tk.verified.len(), 0; got != want {
				t.Errorf("cache entries = %d, want %d (a rejected entry is dropped)", got, want)
			}
		})
	}
}

func TestParseClaimsAreTheCallersOwn(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	tk, verifications := newClockTokens(t, clock)
	tok, _, err := tk.Issue(tenantry.User{ID: uuid.Must(uuid.NewV7()), AuthVersion: 4})
	if err != nil {
		t.Fatal(err)
	}
	want, err := uncached(t, clock).Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	spoil := func(c *Claims) {
		c.Subject = uuid.NewString()
		c.ID = "spoiled"
		c.Version = 99
		c.Audience[0] = "other-api"
		c.ExpiresAt.Time = c.ExpiresAt.Add(time.Hour)
		c.IssuedAt.Time = time.Time{}
		c.Audience = append(c.Audience, "more")
	}
	for i := range 3 { // a miss, then hits
		c, err := tk.Parse(tok)
		if err != nil {
			t.Fatalf("Parse #%d: %v", i, err)
		}
		if !reflect.DeepEqual(c, want) {
			t.Fatalf("Parse #%d = %+v, want %+v", i, c, want)
		}
		spoil(c)
	}
	if got, want := verifications.Load(), int64(1); got != want {
		t.Errorf("signatures verified = %d, want %d", got, want)
	}
}

// TestVerifyAgreesWithParse checks that Verify answers what Parse's
// claims say, from the full check and from the cache alike, and that a
// remembered token still meets the time rules and its exact bytes.
func TestVerifyAgreesWithParse(t *testing.T) {
	t.Parallel()
	clock := newTestClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	tk, verifications := newClockTokens(t, clock)
	u := tenantry.User{ID: uuid.Must(uuid.NewV7()), AuthVersion: 7}
	tok, _, err := tk.Issue(u)
	if err != nil {
		t.Fatal(err)
	}
	c, err := uncached(t, clock).Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	want := Verified{UserID: u.ID, ID: c.ID, Version: 7, ExpiresAt: c.ExpiresAt.Time}
	for i := range 3 { // a miss, then hits
		got, err := tk.Verify(tok)
		if err != nil {
			t.Fatalf("Verify #%d: %v", i, err)
		}
		if got != want {
			t.Fatalf("Verify #%d = %+v, want %+v", i, got, want)
		}
	}
	if got, want := verifications.Load(), int64(1); got != want {
		t.Errorf("signatures verified = %d, want %d", got, want)
	}
	altered := tok[:len(tok)-1] + map[bool]string{true: "A", false: "B"}[tok[len(tok)-1] != 'A']
	if _, err := tk.Verify(altered); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("Verify of an altered signature = %v, want ErrInvalidToken", err)
	}
	clock.set(want.ExpiresAt)
	if _, err := tk.Verify(tok); !errors.Is(err, ErrInvalidToken) || !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("Verify of a remembered token at its exp = %v, want ErrInvalidToken and ErrTokenExpired", err)
	}
	if got := tk.verified.len(); got != 0 {
		t.Errorf("cache entries = %d after the token expired, want 0", got)
	}
}

func TestVerifiedCacheBound(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)

	t.Run("never more than max", func(t *testing.T) {
		t.Parallel()
		clock := newTestClock(t0)
		tk, _ := newClockTokens(t, clock)
		tk.verified = newVerifiedCache(20)
		for i := range 100 {
			if _, err := tk.Parse(signAt(t, t0, t0.Add(time.Hour), time.Time{}, fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
			n := tk.verified.len()
			if n > 20 {
				t.Fatalf("after %d tokens: %d entries, max 20", i+1, n)
			}
			// Full at 20, the 21st insert frees a tenth (2) and adds itself.
			if i+1 == 21 && n != 19 {
				t.Fatalf("after 21 tokens: %d entries, want 19", n)
			}
		}
	})

	t.Run("expired entries go first", func(t *testing.T) {
		t.Parallel()
		clock := newTestClock(t0)
		tk, verifications := newClockTokens(t, clock)
		tk.verified = newVerifiedCache(10)
		var live []string
		for i := range 10 {
			exp := t0.Add(time.Minute)
			if i%2 == 0 {
				exp = t0.Add(time.Hour)
			}
			tok := signAt(t, t0, exp, time.Time{}, fmt.Sprint(i))
			if _, err := tk.Parse(tok); err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				live = append(live, tok)
			}
		}
		clock.set(t0.Add(time.Minute)) // exactly at exp: expired for jwt
		if _, err := tk.Parse(signAt(t, t0, t0.Add(time.Hour), time.Time{}, "new")); err != nil {
			t.Fatal(err)
		}
		if got, want := tk.verified.len(), len(live)+1; got != want {
			t.Errorf("entries = %d, want %d (only the expired dropped)", got, want)
		}
		before := verifications.Load()
		for _, tok := range live {
			if _, err := tk.Parse(tok); err != nil {
				t.Fatal(err)
			}
		}
		if got := verifications.Load(); got != before {
			t.Errorf("live tokens verified again (%d -> %d); they should have been kept", before, got)
		}
	})

	t.Run("concurrent", func(t *testing.T) {
		t.Parallel()
		const max = 16
		clock := newTestClock(t0)
		tk, _ := newClockTokens(t, clock)
		tk.verified = newVerifiedCache(max)
		toks := make([]string, 4*max)
		for i := range toks {
			toks[i] = signAt(t, t0, t0.Add(time.Hour), time.Time{}, fmt.Sprint(i))
		}
		var (
			wg      sync.WaitGroup
			done    = make(chan struct{})
			biggest atomic.Int64
		)
		wg.Go(func() {
			for {
				if n := int64(tk.verified.len()); n > biggest.Load() {
					biggest.Store(n)
				}
				select {
				case <-done:
					return
				default:
				}
			}
		})
		var workers sync.WaitGroup
		for g := range 8 {
			workers.Go(func() {
				for i := range 400 {
					tok := toks[(g*7+i)%len(toks)]
					if _, err := tk.Parse(tok); err != nil {
						t.Errorf("Parse: %v", err)
						return
					}
				}
			})
		}
		workers.Wait()
		close(done)
		wg.Wait()
		if got := biggest.Load(); got > max {
			t.Errorf("saw %d entries, max %d", got, max)
		}
		if got := tk.verified.len(); got > max || got == 0 {
			t.Errorf("entries = %d, want 1..%d", got, max)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	clock := newTestClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	for _, bc := range []struct {
		name  string
		cache bool
	}{{"uncached", false}, {"cached", true}} {
		b.Run(bc.name, func(b *testing.B) {
			tk, _ := newClockTokens(b, clock)
			if !bc.cache {
				tk.verified = nil
			}
			tok, _, err := tk.Issue(tenantry.User{ID: uuid.Must(uuid.NewV7()), AuthVersion: 1})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tk.Parse(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("verify-cached", func(b *testing.B) {
		tk, _ := newClockTokens(b, clock)
		tok, _, err := tk.Issue(tenantry.User{ID: uuid.Must(uuid.NewV7()), AuthVersion: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := tk.Verify(tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
