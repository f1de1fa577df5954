package web_test

import (
	"context"
	"net/url"
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
