package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
)

// signIn signs c in through the sign-in page.
func (c *client) signIn(email, password string) page {
	c.t.Helper()
	c.get("/signin")
	return c.post("/signin", url.Values{"email": {email}, "password": {password}})
}

// TestAccount: a new password ends the other sessions and keeps this one;
// signing out everywhere ends them all; deleting the account needs its
// password.
func TestAccount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	laptop := f.app.client(t)
	mustStatus(t, "second session", laptop.signIn("alice@example.com", "alice-password"), 303)
	mustStatus(t, "laptop signed in", laptop.get("/tasks"), 200)

	f.alice.get("/account")
	p := f.alice.post("/account/password", url.Values{"current_password": {"wrong-one"}, "new_password": {"new-alice-password"}})
	if mustStatus(t, "wrong current password", p, 422); !strings.Contains(p.body, "Current password is incorrect") {
		t.Errorf("wrong current password page:\n%s", p.body)
	}
	p = f.alice.post("/account/password", url.Values{"current_password": {"alice-password"}, "new_password": {"new-alice-password"}})
	mustStatus(t, "change password", p, 303)
	if p = f.alice.get("/account"); p.status != 200 || !strings.Contains(p.body, "Password changed") {
		t.Errorf("after the change, this browser: %d\n%s", p.status, p.body)
	}
	mustStatus(t, "the other session after the change", laptop.get("/tasks"), 303)
	mustStatus(t, "the old password", laptop.signIn("alice@example.com", "alice-password"), 422)
	mustStatus(t, "the new password", laptop.signIn("alice@example.com", "new-alice-password"), 303)

	f.alice.get("/account")
	mustStatus(t, "sign out everywhere", f.alice.post("/account/signout-everywhere", nil), 303)
	mustStatus(t, "this browser after signing out everywhere", f.alice.get("/tasks"), 303)
	mustStatus(t, "the laptop after signing out everywhere", laptop.get("/tasks"), 303)

	mustStatus(t, "sign in again", f.alice.signIn("alice@example.com", "new-alice-password"), 303)
	f.alice.get("/account")
	p = f.alice.post("/account/delete", url.Values{"password": {"wrong-one"}})
	mustStatus(t, "delete with a wrong password", p, 422)
	if _, err := f.app.store.UserByID(context.Background(), f.aliceID); err != nil {
		t.Fatalf("the account went with a wrong password: %v", err)
	}
	// Alice is the last owner of Acme, which has no other member: it goes
	// with her.
	mustStatus(t, "delete", f.alice.post("/account/delete", url.Values{"password": {"new-alice-password"}}), 303)
	if _, err := f.app.store.UserByID(context.Background(), f.aliceID); !errors.Is(err, tenantry.ErrUserNotFound) {
		t.Errorf("after deletion: %v", err)
	}
	mustStatus(t, "signed out after deletion", f.alice.get("/tasks"), http.StatusSeeOther)
}

// TestSignOut: after signing out, no private page answers with the old
// cookie.
func TestSignOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.alice.get("/tasks")
	p := f.alice.post("/signout", nil)
	if mustStatus(t, "sign out", p, 303); p.header.Get("Location") != "/signin" {
		t.Errorf("sign out sends to %q", p.header.Get("Location"))
	}
	p = f.alice.get("/signin")
	if !strings.Contains(p.body, "You are signed out") {
		t.Errorf("no notice after signing out:\n%s", p.body)
	}
	if strings.Contains(p.body, "alice") {
		t.Error("the sign-in page shows alice's data")
	}
	mustStatus(t, "tasks after sign out", f.alice.get("/tasks"), 303)
}
