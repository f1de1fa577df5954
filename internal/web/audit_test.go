package web_test

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
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
	p = f.alice.get(org + "/audit?action=task.update")
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(p.body)
	if n := len(auditRowRE.FindAllString(p.body, -1)); n != 50 || next == nil {
		t.Fatalf("first page: %d rows, next %v", n, next)
	}
	p = f.alice.get(html.UnescapeString(next[1]))
	if n := len(auditRowRE.FindAllString(p.body, -1)); n != 10 || strings.Contains(p.body, `rel="next"`) ||
		!strings.Contains(p.body, `href="`+org+`/audit?action=task.update">First page`) {
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
	rows := auditRowRE.FindAllString(p.body, -1)
	if len(rows) != 1 || !strings.Contains(rows[0], "Personal errand") || !strings.Contains(rows[0], "alice@example.com") {
		t.Errorf("alice's personal log: %d rows:\n%s", len(rows), p.body)
	}
	if strings.Contains(p.body, "Acme errand") || strings.Contains(p.body, "Bob errand") || !strings.Contains(p.body, `<a href="/audit" aria-current="page">Your audit log</a>`) {
		t.Errorf("alice's personal log shows another tenant's entry, or does not mark its link:\n%s", p.body)
	}
	mustStatus(t, "signed out", f.app.client(t).get("/audit"), 303)
}
