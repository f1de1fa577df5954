package web_test

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/server"
)

// TestPagesWriteTheAuditLog: a change made from a page is in the tenant's
// audit log, with the actor, the client address and the request id.
func TestPagesWriteTheAuditLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	mustStatus(t, "delete the org task", f.alice.post("/orgs/"+f.org.String()+"/tasks/"+f.orgTask.String()+"/delete", url.Values{}), 303)
	var es []tenantry.AuditEntry
	if err := f.app.store.View(ctx, f.aliceID, f.org, func(tx tenantry.TenantAccess) (err error) {
		es, err = tx.AuditEntries(ctx, tenantry.AuditFilter{Action: tenantry.AuditTaskDelete})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 {
		t.Fatalf("%d task.delete entries, want 1: %+v", len(es), es)
	}
	if e := es[0]; e.TargetID != f.orgTask.String() || e.ActorUserID != f.aliceID || e.IP == "" || e.RequestID == "" {
		t.Errorf("entry = %+v", e)
	}
	// Bob's own tenant saw nothing of it.
	if err := f.app.store.View(ctx, f.bobID, f.bobID, func(tx tenantry.TenantAccess) (err error) {
		es, err = tx.AuditEntries(ctx, tenantry.AuditFilter{Action: tenantry.AuditTaskDelete})
		return err
	}); err != nil || len(es) != 0 {
		t.Errorf("Bob's log: %+v, %v", es, err)
	}
}

// TestAuditPage: owners and admins read the organization's log from the
// members page; a plain member gets 403, someone outside 404.
func TestAuditPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	org := "/orgs/" + f.org.String()
	mustStatus(t, "delete the org task", f.alice.post(org+"/tasks/"+f.orgTask.String()+"/delete", url.Values{}), 303)
	members := f.alice.get(org + "/members")
	if !strings.Contains(members.body, `href="`+org+`/audit"`) {
		t.Error("the members page has no link to the audit log")
	}
	p := f.alice.get(org + "/audit")
	mustStatus(t, "audit page", p, 200)
	if !strings.Contains(p.body, "task.delete") || !strings.Contains(p.body, f.orgTask.String()) {
		t.Errorf("audit page lacks the deletion: %s", p.body)
	}
	mustStatus(t, "outsider's audit page", f.bob.get(org+"/audit"), 404)
	mustStatus(t, "alice adds bob", f.alice.post(org+"/members", url.Values{"email": {"bob@example.com"}, "role": {"member"}}), 303)
	mustStatus(t, "plain member's audit page", f.bob.get(org+"/audit"), 403)
	if strings.Contains(f.bob.get(org+"/members").body, org+"/audit") {
		t.Error("a plain member is shown the audit link")
	}
}

// accountLog reads userID's personal log from the store, waiting up to
// 10 s until ok holds of it (a failed sign-in is written off the request
// path).
func accountLog(t *testing.T, a *app, userID uuid.UUID, ok func([]tenantry.AuditEntry) bool) []tenantry.AuditEntry {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var es []tenantry.AuditEntry
		if err := a.store.View(ctx, userID, userID, func(tx tenantry.TenantAccess) (err error) {
			es, err = tx.AuditEntries(ctx, tenantry.AuditFilter{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if ok(es) || time.Now().After(deadline) {
			return es
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPagesWriteTheAccountLog: signing up, out and in (with a two-factor
// code as the second step), a wrong password and a wrong code, a password
// change and an API token made and revoked from the pages are in the
// account's log, which its activity page shows, with an action filter;
// no password or code is in it.
func TestPagesWriteTheAccountLog(t *testing.T) {
	t.Parallel()
	var now atomic.Int64
	now.Store(time.Now().UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	a := newAppWith(t, server.Config{Now: clock})
	alice := a.client(t)
	alice.signUp("alice@example.com", "alice-password")
	id := alice.user().ID
	mustStatus(t, "sign out", alice.post("/signout", nil), 303)
	alice.get("/signin")
	mustStatus(t, "wrong password", alice.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"wrong-page-password"}}), 422)
	mustStatus(t, "sign in", alice.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}}), 303)
	alice.get("/account")
	mustStatus(t, "password", alice.post("/account/password", url.Values{"current_password": {"alice-password"}, "new_password": {"page-password-2"}}), 303)
	alice.get("/account/tokens")
	mustStatus(t, "make a token", alice.post("/account/tokens", url.Values{"name": {"page token"}, "tenant_id": {id.String()}, "scope": {"read"}, "expires_in_days": {"7"}}), 201)
	toks, err := a.store.APITokens(context.Background(), id)
	if err != nil || len(toks) != 1 {
		t.Fatalf("tokens %+v, %v", toks, err)
	}
	mustStatus(t, "revoke it", alice.post("/account/tokens/"+toks[0].ID.String()+"/revoke", nil), 303)

	alice.get("/account/2fa")
	secret := secretRE.FindStringSubmatch(alice.post("/account/2fa/enroll", nil).body)[1]
	code := func() string {
		c, err := totp.GenerateCode(secret, clock())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mustStatus(t, "confirm", alice.post("/account/2fa/confirm", url.Values{"code": {code()}}), 200)
	now.Add(int64(30 * time.Second))
	phone := a.client(t)
	phone.get("/signin")
	mustStatus(t, "wrong code", phone.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"page-password-2"}, "totp": {"123456"}}), 422)
	good := code()
	mustStatus(t, "right code", phone.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"page-password-2"}, "totp": {good}}), 303)

	es := accountLog(t, a, id, func(es []tenantry.AuditEntry) bool {
		n := 0
		for _, e := range es {
			if e.Action == tenantry.AuditLoginFailed {
				n++
			}
		}
		return n == 2
	})
	got := map[string]int{}
	for _, e := range es {
		got[e.Action]++
		if e.ActorUserID != id || e.IP == "" || e.RequestID == "" {
			t.Errorf("entry %+v: want alice, an address and a request id", e)
		}
		if e.Action == tenantry.AuditLogin && e.Details["two_factor"] == true && e.Details["method"] != "session" {
			t.Errorf("two-factor sign-in = %+v", e)
		}
	}
	want := map[string]int{
		tenantry.AuditLogin: 3, tenantry.AuditLogout: 1, tenantry.AuditLoginFailed: 2, tenantry.AuditPassword: 1,
		tenantry.AuditTokenCreate: 1, tenantry.AuditTokenRevoke: 1,
	}
	for action, n := range want {
		if got[action] != n {
			t.Errorf("%d %s entries, want %d (all: %v)", got[action], action, n, got)
		}
	}
	twoFactor := 0
	for _, e := range es {
		if e.Action == tenantry.AuditLogin && e.Details["two_factor"] == true {
			twoFactor++
		}
	}
	if twoFactor != 1 {
		t.Errorf("%d sign-ins with a code, want 1", twoFactor)
	}

	p := phone.get("/account/audit")
	mustStatus(t, "activity page", p, 200)
	for _, action := range []string{"auth.login", "auth.login_failed", "auth.logout", "auth.password", "token.create", "token.revoke"} {
		if !strings.Contains(p.body, "<td>"+action+"</td>") {
			t.Errorf("the activity page lacks %s", action)
		}
	}
	for _, secret := range []string{"alice-password", "wrong-page-password", "page-password-2", `: ` + good + ` `, `: 123456 `} {
		if strings.Contains(p.body, secret) {
			t.Errorf("the activity page shows %q", secret)
		}
	}
	if !strings.Contains(phone.get("/account").body, `href="/account/audit"`) {
		t.Error("the account page has no link to the activity page")
	}
	p = phone.get("/account/audit?action=auth.password")
	if strings.Count(p.body, "<td>auth.password</td>") != 1 || strings.Contains(p.body, "<td>auth.login</td>") ||
		!strings.Contains(p.body, `<option value="auth.password" selected>`) {
		t.Errorf("filtered activity page:\n%s", p.body)
	}
}

// TestPagesRecordDeniedAttempts: an outsider's page of an organization is
// the not-found page, and the attempt is in the organization's log, by the
// outsider, never in the outsider's own.
func TestPagesRecordDeniedAttempts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mustStatus(t, "bob on alice's org", f.bob.get("/orgs/"+f.org.String()+"/tasks"), 404)
	ctx := context.Background()
	deadline := time.Now().Add(10 * time.Second)
	var es []tenantry.AuditEntry
	for len(es) == 0 && time.Now().Before(deadline) {
		if err := f.app.store.View(ctx, f.aliceID, f.org, func(tx tenantry.TenantAccess) (err error) {
			es, err = tx.AuditEntries(ctx, tenantry.AuditFilter{Action: tenantry.AuditAccessDenied})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(es) != 1 || es[0].ActorUserID != f.bobID || es[0].IP == "" || es[0].RequestID == "" ||
		es[0].Details["route"] != "GET /orgs/{org_id}/tasks" || es[0].Details["kind"] != "org_not_member" {
		t.Fatalf("A's denials = %+v, want bob's one", es)
	}
	if got := accountLog(t, f.app, f.bobID, func([]tenantry.AuditEntry) bool { return true }); len(got) != 0 {
		for _, e := range got {
			if e.Action == tenantry.AuditAccessDenied {
				t.Errorf("bob's own log holds %+v", e)
			}
		}
	}
}
