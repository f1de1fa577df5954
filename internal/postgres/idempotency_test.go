package postgres_test

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// TestPurgeIdempotencyKeys: on an injected clock, the background purge
// deletes the expired keys of every tenant and caller, which the
// application role could not even see outside their tenant, and keeps the
// live ones; none younger than a day by the database's clock goes, however
// far the server's clock has run ahead.
func TestPurgeIdempotencyKeys(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	type key struct {
		user   tenantry.User
		tenant uuid.UUID
		name   string
	}
	claim := func(k key, body string) (found bool) {
		t.Helper()
		h := sha256.Sum256([]byte(body))
		r := tenantry.IdempotentRequest{UserID: k.user.ID, Key: k.name, BodyHash: h[:]}
		update(t, w.store, k.user, k.tenant, func(tx tenantry.TenantAccess) (err error) {
			_, found, err = tx.ClaimIdempotencyKey(ctx, r)
			if err != nil || found {
				return err
			}
			return tx.SetIdempotentAnswer(ctx, r, tenantry.IdempotentAnswer{Status: 201, Body: []byte("{}")})
		})
		return found
	}
	expired := []key{
		{w.alice, w.orgA, "old"}, {w.alice, w.orgB, "old"}, {w.alice, w.alice.ID, "old"},
		{w.bob, w.orgB, "old"}, {w.bob, w.bob.ID, "old-2"},
	}
	live := []key{{w.alice, w.orgA, "live"}, {w.bob, w.orgB, "live"}, {w.bob, w.bob.ID, "live"}}
	// The live keys first: a claim forgets its caller's expired keys in
	// its tenant, which would leave the purge nothing to do.
	for _, k := range live {
		claim(k, "first")
	}
	real := w.store.Now
	w.store.Now = func() time.Time { return real().Add(-tenantry.IdempotencyKeep - time.Hour) }
	for _, k := range expired {
		claim(k, "first")
	}
	w.store.Now = real

	if n, err := w.store.PurgeIdempotencyKeys(ctx); err != nil || n != int64(len(expired)) {
		t.Fatalf("PurgeIdempotencyKeys = %d, %v; want the %d expired keys", n, err, len(expired))
	}
	if n, err := w.store.PurgeIdempotencyKeys(ctx); err != nil || n != 0 {
		t.Errorf("PurgeIdempotencyKeys again = %d, %v; want 0", n, err)
	}
	// A server whose clock ran two days ahead still deletes no key younger
	// than a day by the database's.
	w.store.Now = func() time.Time { return real().Add(2 * tenantry.IdempotencyKeep) }
	if n, err := w.store.PurgeIdempotencyKeys(ctx); err != nil || n != 0 {
		t.Errorf("PurgeIdempotencyKeys with the clock ahead = %d, %v; want 0", n, err)
	}
	w.store.Now = real
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

// TestAppRoleSeesNoKeysOutsideATenant: the purge's policies are the
// owner's alone; the application role, outside any tenant, sees and
// deletes no key.
func TestAppRoleSeesNoKeysOutsideATenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	h := sha256.Sum256([]byte("body"))
	r := tenantry.IdempotentRequest{UserID: w.alice.ID, Key: "k", BodyHash: h[:]}
	update(t, w.store, w.alice, w.orgA, func(tx tenantry.TenantAccess) error {
		if _, _, err := tx.ClaimIdempotencyKey(ctx, r); err != nil {
			return err
		}
		return tx.SetIdempotentAnswer(ctx, r, tenantry.IdempotentAnswer{Status: 201, Body: []byte("{}")})
	})
	app := connect(t, w.db.AppURL)
	var n int
	if err := app.QueryRow(ctx, "SELECT count(*) FROM idempotency_keys").Scan(&n); err != nil || n != 0 {
		t.Errorf("keys the application role sees outside a tenant: %d, %v; want 0", n, err)
	}
	tag, err := app.Exec(ctx, "DELETE FROM idempotency_keys")
	if err != nil || tag.RowsAffected() != 0 {
		t.Errorf("DELETE outside a tenant: %v rows, %v; want none", tag.RowsAffected(), err)
	}
	owner := connect(t, w.db.OwnerURL)
	if err := owner.QueryRow(ctx, "SELECT count(*) FROM idempotency_keys").Scan(&n); err != nil || n != 1 {
		t.Errorf("keys the owner sees: %d, %v; want 1", n, err)
	}
}
