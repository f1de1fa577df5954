package sqlite_test

import (
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

// TestPruneAudit: entries older than the retention go; younger ones stay,
// and none younger than a day goes whatever is asked.
func TestPruneAudit(t *testing.T) {
	t.Parallel()
	db := sqlitetest.MustOpen(t)
	ctx := t.Context()
	u, err := db.CreateUser(ctx, "bob@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	write := func() {
		t.Helper()
		if err := db.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
			return tx.Audit(ctx, tenantry.AuditEntry{Action: tenantry.AuditTaskCreate})
		}); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	db.Now = func() time.Time { return now.Add(-100 * 24 * time.Hour) }
	write()
	db.Now = func() time.Time { return now.Add(-2 * time.Hour) }
	write()
	db.Now = func() time.Time { return now }
	if n, err := db.PruneAudit(ctx, tenantry.DefaultAuditRetention); err != nil || n != 1 {
		t.Errorf("PruneAudit(90 days) = %d, %v; want the 100-day-old entry", n, err)
	}
	if n, err := db.PruneAudit(ctx, time.Hour); err != nil || n != 0 {
		t.Errorf("PruneAudit(1h) = %d, %v; want 0: the entry is younger than a day", n, err)
	}
}
