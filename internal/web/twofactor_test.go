package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/tenantry/tenantry/internal/server"
)

var (
	secretRE   = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7]+)</code>`)
	recoveryRE = regexp.MustCompile(`<li><code>([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})</code></li>`)
)

// TestTwoFactorPages: set up shows the key and the otpauth link as text, a
// first code turns it on and shows the recovery codes once, signing in then
// asks for a code (a recovery code works once), and the password turns it
// off. On a fake clock: a code works once, so each sign-in is a step later.
func TestTwoFactorPages(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Now().UnixNano()) // the store keeps real time for sessions
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	later := func() { now.Add(int64(30 * time.Second)) }
	a := newAppWith(t, server.Config{Now: clock})
	alice := a.client(t)
	alice.signUp("alice@example.com", "alice-password")

	mustStatus(t, "2fa page", alice.get("/account/2fa"), 200)
	p := alice.post("/account/2fa/enroll", nil)
	mustStatus(t, "enroll", p, 200)
	m := secretRE.FindStringSubmatch(p.body)
	if m == nil || !strings.Contains(p.body, "otpauth://totp/Tenantry:alice@example.com?") {
		t.Fatalf("no key or link on the page:\n%s", p.body)
	}
	secret := m[1]
	code := func() string {
		c, err := totp.GenerateCode(secret, clock())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mustStatus(t, "confirm with a wrong code", alice.post("/account/2fa/confirm", url.Values{"code": {"000000"}}), 422)
	p = alice.post("/account/2fa/confirm", url.Values{"code": {code()}})
	mustStatus(t, "confirm", p, 200)
	codes := recoveryRE.FindAllStringSubmatch(p.body, -1)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes on the page:\n%s", len(codes), p.body)
	}
	if p := alice.get("/account/2fa"); strings.Contains(p.body, codes[0][1]) {
		t.Error("the recovery codes are shown again")
	}

	phone := a.client(t)
	phone.get("/signin")
	p = phone.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}})
	if mustStatus(t, "sign in without a code", p, 422); !strings.Contains(p.body, `name="totp"`) {
		t.Errorf("the sign-in page does not ask for the code:\n%s", p.body)
	}
	later()
	mustStatus(t, "sign in with a wrong code", phone.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}, "totp": {"123456"}}), 422)
	mustStatus(t, "sign in with a code", phone.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}, "totp": {code()}}), 303)
	mustStatus(t, "signed in", phone.get("/tasks"), 200)

	laptop := a.client(t)
	laptop.get("/signin")
	mustStatus(t, "the same code again", laptop.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}, "totp": {code()}}), 422)
	mustStatus(t, "a recovery code", laptop.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}, "totp": {codes[0][1]}}), 303)
	other := a.client(t)
	other.get("/signin")
	mustStatus(t, "the recovery code twice", other.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}, "totp": {codes[0][1]}}), 422)

	alice.get("/account/2fa")
	mustStatus(t, "turn off with a wrong password", alice.post("/account/2fa/disable", url.Values{"password": {"nope-nope"}}), 422)
	mustStatus(t, "turn off", alice.post("/account/2fa/disable", url.Values{"password": {"alice-password"}}), 303)
	other.get("/signin")
	mustStatus(t, "sign in after turning off", other.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}}), 303)
}
