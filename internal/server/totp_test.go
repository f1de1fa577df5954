package server_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

// tokenForm posts the OAuth2 password form with a totp field.
func tokenForm(h *authztest.Harness, email, password, code string) *authztest.Response {
	v := url.Values{"username": {email}, "password": {password}}
	if code != "" {
		v.Set("totp", code)
	}
	return h.Do("POST", "/auth/token", authztest.Raw(v.Encode()), authztest.Header("Content-Type", "application/x-www-form-urlencoded"))
}

// TestTOTP: enrolment confirmed by a first code, sign-in with a code on
// both ways in, mfa_required without one, a replayed code, a recovery code
// used twice, and disabling; on a fake clock.
func TestTOTP(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		clock := newFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		h := authztest.NewHarness(t, open(t), func(c *server.Config) { c.Now = clock.Now })
		alice := h.NewUser("alice@example.com")
		bearer := authztest.Bearer(h.Token(alice))

		res := h.Do("POST", "/auth/2fa/enroll", nil, bearer)
		var enrol struct {
			Secret string `json:"secret"`
			URI    string `json:"otpauth_uri"`
		}
		if res.Status != 200 {
			t.Fatalf("enroll: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &enrol)
		if !strings.HasPrefix(enrol.URI, "otpauth://totp/Tenantry:alice@example.com?") || !strings.Contains(enrol.URI, "secret="+enrol.Secret) {
			t.Errorf("otpauth URI %q", enrol.URI)
		}
		code := func() string {
			c, err := totp.GenerateCode(enrol.Secret, clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// Pending: signing in needs no code yet.
		if res := tokenForm(h, "alice@example.com", authztest.Password, ""); res.Status != 200 {
			t.Errorf("sign in while pending: %d", res.Status)
		}
		if res := h.Do("POST", "/auth/2fa/confirm", map[string]any{"code": "000000"}, bearer); res.Status != 403 {
			t.Errorf("confirm with a wrong code: %d, want 403", res.Status)
		}
		res = h.Do("POST", "/auth/2fa/confirm", map[string]any{"code": code()}, bearer)
		var rc struct {
			Codes []string `json:"recovery_codes"`
		}
		if res.Status != 200 {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &rc)
		if len(rc.Codes) != 10 {
			t.Fatalf("recovery codes %v", rc.Codes)
		}
		if res := h.Do("POST", "/auth/2fa/enroll", nil, bearer); res.Status != 409 {
			t.Errorf("enroll when on: %d, want 409", res.Status)
		}

		// The right password alone: 401 with mfa_required.
		res = tokenForm(h, "alice@example.com", authztest.Password, "")
		if res.Status != 401 || !strings.Contains(string(res.Body), `"mfa_required":true`) {
			t.Errorf("password without a code: %d %s", res.Status, res.Body)
		}
		wrongPassword := tokenForm(h, "alice@example.com", "wrong password", "")
		// A wrong code: the same answer as a wrong password, byte for byte.
		wrongCode := tokenForm(h, "alice@example.com", authztest.Password, "123456")
		if wrongCode.Status != 401 || string(wrongCode.Body) != string(wrongPassword.Body) {
			t.Errorf("wrong code %d %s; wrong password %d %s", wrongCode.Status, wrongCode.Body, wrongPassword.Status, wrongPassword.Body)
		}

		// The code of the confirmation step was used: it does not work again.
		if res := tokenForm(h, "alice@example.com", authztest.Password, code()); res.Status != 401 {
			t.Errorf("the confirmation's code replayed: %d, want 401", res.Status)
		}
		clock.Add(30 * time.Second)
		c := code()
		if res := tokenForm(h, "alice@example.com", authztest.Password, c); res.Status != 200 {
			t.Errorf("sign in with a code: %d %s", res.Status, res.Body)
		}
		if res := h.Do("POST", "/auth/login", map[string]any{"email": "alice@example.com", "password": authztest.Password, "totp": c}); res.Status != 401 {
			t.Errorf("the same code on /auth/login: %d, want 401", res.Status)
		}
		clock.Add(30 * time.Second)
		if res := h.Do("POST", "/auth/login", map[string]any{"email": "alice@example.com", "password": authztest.Password, "totp": code()}); res.Status != 200 {
			t.Errorf("login with a code: %d %s", res.Status, res.Body)
		}
		if res := h.Do("POST", "/auth/login", map[string]any{"email": "alice@example.com", "password": authztest.Password}); res.Status != 401 || !strings.Contains(string(res.Body), `"mfa_required":true`) {
			t.Errorf("login without a code: %d %s", res.Status, res.Body)
		}

		// A recovery code works once, in any case and with or without dashes.
		rec := strings.ToLower(strings.ReplaceAll(rc.Codes[0], "-", ""))
		if res := tokenForm(h, "alice@example.com", authztest.Password, rec); res.Status != 200 {
			t.Errorf("recovery code: %d %s", res.Status, res.Body)
		}
		if res := tokenForm(h, "alice@example.com", authztest.Password, rc.Codes[0]); res.Status != 401 {
			t.Errorf("recovery code twice: %d, want 401", res.Status)
		}

		// Disable: a wrong password is refused, the right one works.
		bearer = authztest.Bearer(h.Token(alice))
		if res := h.Do("POST", "/auth/2fa/disable", map[string]any{"password": "wrong password"}, bearer); res.Status != 403 {
			t.Errorf("disable with a wrong password: %d, want 403", res.Status)
		}
		if res := h.Do("POST", "/auth/2fa/disable", map[string]any{"code": rc.Codes[1], "password": authztest.Password}, bearer); res.Status != 422 {
			t.Errorf("disable with both: %d, want 422", res.Status)
		}
		if res := h.Do("POST", "/auth/2fa/disable", map[string]any{"code": rc.Codes[1]}, bearer); res.Status != 204 {
			t.Errorf("disable with a recovery code: %d %s", res.Status, res.Body)
		}
		if res := tokenForm(h, "alice@example.com", authztest.Password, ""); res.Status != 200 {
			t.Errorf("sign in after disabling: %d", res.Status)
		}
	})
}

// TestTOTPWrongCodesAreLimited: wrong codes after the right password cost
// the account's sign-in budget like wrong passwords, until a 429.
func TestTOTPWrongCodesAreLimited(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	lim := server.DefaultLimits()
	lim.IPPerMinute, lim.IPBurst = 0, 0
	lim.AccountPerMinute, lim.AccountBurst = 1, 5
	h := authztest.NewHarness(t, openSQLite(t), func(c *server.Config) { c.Now = clock.Now; c.Limits = &lim })
	alice := h.NewUser("alice@example.com")
	ctx := t.Context()
	if err := h.Store.SetTOTPSecret(ctx, alice.ID, "JBSWY3DPEHPK3PXP"); err != nil {
		t.Fatal(err)
	}
	if err := h.Store.EnableTOTP(ctx, alice.ID, 1, nil); err != nil {
		t.Fatal(err)
	}
	statuses := []int{}
	for range 6 {
		statuses = append(statuses, tokenForm(h, "alice@example.com", authztest.Password, "000000").Status)
	}
	if statuses[0] != 401 || statuses[len(statuses)-1] != 429 {
		t.Errorf("wrong codes answered %v, want 401 first and 429 at last", statuses)
	}
	// The right code is refused too while the account is throttled.
	good, _ := totp.GenerateCode("JBSWY3DPEHPK3PXP", clock.Now())
	if res := tokenForm(h, "alice@example.com", authztest.Password, good); res.Status != 429 {
		t.Errorf("the right code while throttled: %d, want 429", res.Status)
	}
}
