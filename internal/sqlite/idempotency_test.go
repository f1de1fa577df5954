package sqlite_test

import (
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

// TestIdempotencyKeyExpires checks that a key is kept for IdempotencyKeep
// and is a new key after it, on an injected clock.
func TestIdempotencyKeyExpires(t *testing.T) {
	t.Parallel()
	db := sqlitetest.MustOpen(t)
	ctx := t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db.Now = func() time.Time { return now }
	u, err := db.CreateUser(ctx, "kim@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	r := tenantry.IdempotentRequest{UserID: u.ID, Key: "k", BodyHash: []byte("hash")}
	claim := func() (found bool) {
		t.Helper()
		err := db.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) (err error) {
			_, found, err = tx.ClaimIdempotencyKey(ctx, r)
			if err != nil || found {
				return err
			}
			return tx.SetIdempotentAnswer(ctx, r, tenantry.IdempotentAnswer{Status: 201, Body: []byte("{}")})
		})
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	if claim() {
		t.Fatal("a fresh key was found")
	}
	now = now.Add(tenantry.IdempotencyKeep - time.Microsecond)
	if !claim() {
		t.Fatal("the key was forgotten before IdempotencyKeep")
	}
	now = now.Add(time.Microsecond)
	if claim() {
		t.Fatal("the key was still kept after IdempotencyKeep")
	}
}
