package web_test

import (
	"context"
	"net/url"
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
