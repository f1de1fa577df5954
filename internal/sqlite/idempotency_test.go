package sqlite_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/uuid"

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

// TestPurgeIdempotencyKeys: on an injected clock, the background purge
// deletes the expired keys of every tenant and caller and keeps the live
// ones.
func TestPurgeIdempotencyKeys(t *testing.T) {
	t.Parallel()
	db := sqlitetest.MustOpen(t)
	ctx := t.Context()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	db.Now = func() time.Time { return now }
	alice, err := db.CreateUser(ctx, "alice@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	bob, err := db.CreateUser(ctx, "bob@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	org, err := db.CreateOrg(ctx, alice.ID, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, alice.ID, org.Org.ID, func(tx tenantry.TenantAccess) error {
		_, err := tx.AddMember(ctx, bob.ID, tenantry.RoleMember)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	type key struct {
		user   tenantry.User
		tenant uuid.UUID
		name   string
	}
	claim := func(k key, body string) (found bool) {
		t.Helper()
		h := sha256.Sum256([]byte(body))
		r := tenantry.IdempotentRequest{UserID: k.user.ID, Key: k.name, BodyHash: h[:]}
		if err := db.Update(ctx, k.user.ID, k.tenant, func(tx tenantry.TenantAccess) (err error) {
			_, found, err = tx.ClaimIdempotencyKey(ctx, r)
			if err != nil || found {
				return err
			}
			return tx.SetIdempotentAnswer(ctx, r, tenantry.IdempotentAnswer{Status: 201, Body: []byte("{}")})
		}); err != nil {
			t.Fatal(err)
		}
		return found
	}
	expired := []key{
		{alice, org.Org.ID, "old"}, {alice, alice.ID, "old"}, {bob, org.Org.ID, "old"}, {bob, bob.ID, "old-2"},
	}
	live := []key{{alice, org.Org.ID, "live"}, {bob, org.Org.ID, "live"}, {bob, bob.ID, "live"}}
	for _, k := range expired {
		claim(k, "first")
	}
	now = now.Add(time.Hour)
	for _, k := range live {
		claim(k, "first")
	}
	now = now.Add(tenantry.IdempotencyKeep - time.Hour) // the first keys are a day old
	if n, err := db.PurgeIdempotencyKeys(ctx); err != nil || n != int64(len(expired)) {
		t.Fatalf("PurgeIdempotencyKeys = %d, %v; want the %d expired keys", n, err, len(expired))
	}
	if n, err := db.PurgeIdempotencyKeys(ctx); err != nil || n != 0 {
		t.Errorf("PurgeIdempotencyKeys again = %d, %v; want 0", n, err)
	}
	for _, k := range live {
		if !claim(k, "first") {
			t.Errorf("live key %s of %s in %v was purged", k.name, k.user.Email, k.tenant)
		}
	}
	for _, k := range expired {
		// Another body would be refused if the key were still there.
		if claim(k, "second") {
			t.Errorf("expired key %s of %s in %v was kept", k.name, k.user.Email, k.tenant)
		}
	}
}
