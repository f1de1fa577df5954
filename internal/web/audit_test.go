package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
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

// auditRowRE matches one row of an audit page's table.
var auditRowRE = regexp.MustCompile(`(?s)<tr>\s*<td data-label="When"[^>]*>.*?</tr>`)

// TestAuditPageNamesFiltersAndPages: entries name their actor by email
// (by the start of the id once the account is deleted), ?action= filters,
// and a full page links to the next.
func TestAuditPageNamesFiltersAndPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	org := "/orgs/" + f.org.String()
	f.alice.get(org + "/members")
	mustStatus(t, "alice adds bob", f.alice.post(org+"/members", url.Values{"email": {"bob@example.com"}, "role": {"member"}}), 303)
	f.bob.get(org + "/tasks")
	mustStatus(t, "bob adds a task", f.bob.post(org+"/tasks", url.Values{"title": {"Bob's <b>bold</b> plan"}}), 303)

	p := f.alice.get(org + "/audit")
	mustStatus(t, "audit page", p, 200)
	rows := auditRowRE.FindAllString(p.body, -1)
	if len(rows) != 2 {
		t.Fatalf("%d rows, want task.create and member.add:\n%s", len(rows), p.body)
	}
	if r := rows[0]; !strings.Contains(r, "bob@example.com") || !strings.Contains(r, "task.create") ||
		!strings.Contains(r, "“Bob&#39;s &lt;b&gt;bold&lt;/b&gt; plan”") {
		t.Errorf("bob's task.create row:\n%s", r)
	}
	if r := rows[1]; !strings.Contains(r, `alice@example.com <span class="tag">you</span>`) || !strings.Contains(r, "member.add") ||
		!strings.Contains(r, "bob@example.com · as member") || !strings.Contains(r, f.bobID.String()) {
		t.Errorf("alice's member.add row (bob named by email):\n%s", r)
	}

	// Filtered by action: only member.add, and the filter is kept.
	p = f.alice.get(org + "/audit?action=member.add")
	if rows := auditRowRE.FindAllString(p.body, -1); len(rows) != 1 || !strings.Contains(rows[0], "member.add") {
		t.Errorf("action=member.add shows %d rows:\n%s", len(rows), p.body)
	}
	if !strings.Contains(p.body, `<option value="member.add" selected>`) {
		t.Error("the filter does not show member.add chosen")
	}
	p = f.alice.get(org + "/audit?action=member.role")
	if !strings.Contains(p.body, "No <code>member.role</code> entries") {
		t.Errorf("an empty filter says:\n%s", p.body)
	}
	mustStatus(t, "a malformed cursor", f.alice.get(org+"/audit?after=nope"), 404)

	// Filtered by days (UTC, both ends included); a malformed day is no bound.
	now := time.Now().UTC()
	today, yesterday, tomorrow := now.Format(time.DateOnly), now.AddDate(0, 0, -1).Format(time.DateOnly), now.AddDate(0, 0, 1).Format(time.DateOnly)
	p = f.alice.get(org + "/audit?from=" + today + "&to=" + today)
	if rows := auditRowRE.FindAllString(p.body, -1); len(rows) != 2 || !strings.Contains(p.body, `name="from" type="date" value="`+today+`"`) {
		t.Errorf("from=to=today shows %d rows, or loses the days:\n%s", len(rows), p.body)
	}
	for _, q := range []string{"from=" + tomorrow, "to=" + yesterday} {
		p = f.alice.get(org + "/audit?" + q)
		if rows := auditRowRE.FindAllString(p.body, -1); len(rows) != 0 || !strings.Contains(p.body, "No entries in those days") {
			t.Errorf("%s shows %d rows:\n%s", q, len(rows), p.body)
		}
	}
	if rows := auditRowRE.FindAllString(f.alice.get(org+"/audit?from=nope").body, -1); len(rows) != 2 {
		t.Errorf("a malformed day filtered the log to %d rows", len(rows))
	}

	// Bob's account is deleted: his entry keeps the start of his id.
	if err := f.app.store.DeleteUser(ctx, f.bobID); err != nil {
		t.Fatal(err)
	}
	p = f.alice.get(org + "/audit")
	if rows := auditRowRE.FindAllString(p.body, -1); len(rows) != 2 || !strings.Contains(rows[0], "deleted account "+f.bobID.String()[:8]) ||
		strings.Contains(rows[0], "bob@example.com") {
		t.Errorf("after bob's account is deleted, his row:\n%s", rows[0])
	}

	// Paging: 60 more entries make a second page.
	if err := f.app.store.Update(ctx, f.aliceID, f.org, func(tx tenantry.TenantAccess) error {
		for i := range 60 {
			if err := tx.Audit(ctx, tenantry.AuditEntry{Action: tenantry.AuditTaskUpdate, TargetType: "task", TargetID: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p = f.alice.get(org + "/audit?action=task.update&from=" + today)
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(p.body)
	if n := len(auditRowRE.FindAllString(p.body, -1)); n != 50 || next == nil {
		t.Fatalf("first page: %d rows, next %v", n, next)
	}
	p = f.alice.get(html.UnescapeString(next[1]))
	if n := len(auditRowRE.FindAllString(p.body, -1)); n != 10 || strings.Contains(p.body, `rel="next"`) ||
		!strings.Contains(p.body, `href="`+org+`/audit?action=task.update&amp;from=`+today+`">First page`) ||
		!strings.Contains(next[1], "from="+today) {
		t.Errorf("second page: %d rows:\n%s", n, p.body)
	}
}

// TestPersonalAuditPage: /audit is the caller's personal log, linked from
// the bar on every page, with nothing of an organization's nor of another
// user's.
func TestPersonalAuditPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.alice.get("/tasks")
	mustStatus(t, "alice adds a task", f.alice.post("/tasks", url.Values{"title": {"Personal errand"}}), 303)
	f.alice.get("/orgs/" + f.org.String() + "/tasks")
	mustStatus(t, "alice adds an org task", f.alice.post("/orgs/"+f.org.String()+"/tasks", url.Values{"title": {"Acme errand"}}), 303)
	f.bob.get("/tasks")
	mustStatus(t, "bob adds a task", f.bob.post("/tasks", url.Values{"title": {"Bob errand"}}), 303)

	p := f.alice.get("/tasks")
	if !strings.Contains(p.body, `<a href="/audit">Your audit log</a>`) {
		t.Error("the bar has no link to the audit log")
	}
	p = f.alice.get("/audit")
	mustStatus(t, "personal audit page", p, 200)
	checkHeaders(t, "personal audit page", p)
	var rows []string // the task entries; the account's sign-up is there too
	for _, r := range auditRowRE.FindAllString(p.body, -1) {
		if strings.Contains(r, "<code>task.") {
			rows = append(rows, r)
		}
	}
	if len(rows) != 1 || !strings.Contains(rows[0], "Personal errand") || !strings.Contains(rows[0], "alice@example.com") {
		t.Errorf("alice's personal log: %d task rows:\n%s", len(rows), p.body)
	}
	if strings.Contains(p.body, "Acme errand") || strings.Contains(p.body, "Bob errand") || !strings.Contains(p.body, `<a href="/audit" aria-current="page">Your audit log</a>`) {
		t.Errorf("alice's personal log shows another tenant's entry, or does not mark its link:\n%s", p.body)
	}
	mustStatus(t, "signed out", f.app.client(t).get("/audit"), 303)
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

	p := phone.get("/audit")
	mustStatus(t, "activity page", p, 200)
	for _, action := range []string{"auth.login", "auth.login_failed", "auth.logout", "auth.password", "token.create", "token.revoke"} {
		if !strings.Contains(p.body, "<code>"+action+"</code>") {
			t.Errorf("the activity page lacks %s", action)
		}
	}
	for _, secret := range []string{"alice-password", "wrong-page-password", "page-password-2", `: ` + good, `: 123456`} {
		if strings.Contains(p.body, secret) {
			t.Errorf("the activity page shows %q", secret)
		}
	}
	if !strings.Contains(phone.get("/account").body, `href="/audit"`) {
		t.Error("the account page has no link to the activity page")
	}
	p = phone.get("/audit?action=auth.password")
	if strings.Count(p.body, "<code>auth.password</code>") != 1 || strings.Contains(p.body, "<code>auth.login</code>") ||
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
