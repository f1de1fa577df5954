package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

func TestScopeCache_Bounded(t *testing.T) {
	t.Parallel()
	c := newScopeCache(100)
	for range 1000 {
		c.put(scopeKey{tenant: uuid.New(), user: uuid.New()}, scopeEntry{role: tenantry.RoleMember}, c.now())
		if got := c.len(); got > 100 {
			t.Fatalf("len = %d, want at most 100", got)
		}
	}
}

func TestScopeCache_RacedLookupNotStored(t *testing.T) {
	t.Parallel()
	c := newScopeCache(10)
	k := scopeKey{tenant: uuid.New(), user: uuid.New()}
	_, _, epoch := c.get(k) // a look-up begins
	c.forgetKeys(k)         // a change lands while it reads
	c.put(k, scopeEntry{role: tenantry.RoleOwner}, epoch)
	if _, ok, _ := c.get(k); ok {
		t.Error("an answer read across a change was cached")
	}
}

// Once cached, a membership costs no query: View keeps answering from the
// cache even when the row is deleted behind the store's back (which the
// lock file exists to prevent).
func TestView_CachedMembershipSkipsQuery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, "bob@example.com", "h")
	if err != nil {
		t.Fatal(err)
	}
	view := func() error {
		return db.View(ctx, u.ID, u.ID, func(tenantry.TenantTx) error { return nil })
	}
	if err := view(); err != nil {
		t.Fatal(err)
	}
	if got, want := db.scopes.len(), 1; got != want {
		t.Fatalf("cached memberships = %d, want %d", got, want)
	}
	if _, err := db.write.pool.ExecContext(ctx, "DELETE FROM memberships WHERE user_id = ?", idBytes(u.ID)); err != nil {
		t.Fatal(err)
	}
	if err := view(); err != nil {
		t.Errorf("View after the row went behind the store's back: %v, want the cached answer", err)
	}
	db.scopes.forgetKeys(scopeKey{tenant: u.ID, user: u.ID})
	if err := view(); err == nil {
		t.Error("View after forgetting: no error, want ErrNotMember from the query")
	}
}
