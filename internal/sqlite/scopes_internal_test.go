package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

func TestScopeCache_Bounded(t *testing.T) {
	t.Parallel()
	c := newScopeCache(100)
	for range 1000 {
		_, _, epoch := c.get(scopeKey{})
		c.put(scopeKey{tenant: uuid.New(), user: uuid.New()}, scopeEntry{role: tenantry.RoleMember}, epoch)
		if got := c.len(); got > 100 {
			t.Fatalf("len = %d, want at most 100", got)
		}
	}
}

func TestScopeCache_RacedLookupNotStored(t *testing.T) {
	t.Parallel()
	c := newScopeCache(10)
	k := scopeKey{tenant: uuid.New(), user: uuid.New()}
	for _, tc := range []struct {
		name   string
		before func() // before the look-up reads the epoch
		during func() // between that and put
	}{
		{"change begins and ends during the look-up", nil, func() { c.begin(nil, k); c.end(nil, k) }},
		{"change begins during the look-up", nil, func() { c.begin(nil, k) }},
		{"change in flight throughout", nil, nil}, // still in flight from the case above
		{"change ends during the look-up", nil, func() { c.end(nil, k) }},
	} {
		if tc.before != nil {
			tc.before()
		}
		_, _, epoch := c.get(k)
		if tc.during != nil {
			tc.during()
		}
		c.put(k, scopeEntry{role: tenantry.RoleOwner}, epoch)
		if _, ok, _ := c.get(k); ok {
			t.Errorf("%s: the answer was cached", tc.name)
		}
		if c.stable(epoch) {
			t.Errorf("%s: stable, want not", tc.name)
		}
	}
	_, _, epoch := c.get(k)
	c.put(k, scopeEntry{role: tenantry.RoleOwner}, epoch)
	if _, ok, _ := c.get(k); !ok {
		t.Error("with no change in flight the answer was not cached")
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
		return db.View(ctx, u.ID, u.ID, func(tenantry.TenantAccess) error { return nil })
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
	k := scopeKey{tenant: u.ID, user: u.ID}
	db.scopes.begin(nil, k)
	db.scopes.end(nil, k)
	if err := view(); err == nil {
		t.Error("View after forgetting: no error, want ErrNotMember from the query")
	}
}

// A removal committed but not yet ended in the cache (its Update between
// COMMIT and end) must not let a View's answer out: fn read after the
// commit, so View asks the database again.
func TestView_RemovalCommittedBeforeEnd(t *testing.T) {
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
	k := scopeKey{tenant: u.ID, user: u.ID}
	view := func(fn func(tenantry.TenantAccess) error) error { return db.View(ctx, u.ID, u.ID, fn) }
	if err := view(func(tenantry.TenantAccess) error { return nil }); err != nil { // cached
		t.Fatal(err)
	}
	db.scopes.begin(nil, k) // before the View: its epoch will not move
	err = view(func(tenantry.TenantAccess) error {
		// The change commits while fn runs; its end comes later.
		if _, err := db.write.pool.ExecContext(ctx, "DELETE FROM memberships WHERE user_id = ?", idBytes(u.ID)); err != nil {
			t.Fatal(err)
		}
		return nil
	})
	if !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("View across a committed removal: err = %v, want ErrNotMember", err)
	}
	if err := view(func(tenantry.TenantAccess) error { return nil }); !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("View while the removal is in flight: err = %v, want ErrNotMember", err)
	}
	db.scopes.end(nil, k)
}

// TestSettledIsNeverAChangeInFlight: Update trusts settled only when no
// membership change is between its begin and its end, and never sees an
// entry that a change dropped.
func TestSettledIsNeverAChangeInFlight(t *testing.T) {
	c := newScopeCache(10)
	k := scopeKey{tenant: uuid.New(), user: uuid.New()}
	other := scopeKey{tenant: uuid.New(), user: uuid.New()}
	admin := scopeEntry{kind: tenantry.KindOrg, role: tenantry.RoleAdmin}
	_, _, epoch := c.get(k)
	c.put(k, admin, epoch)
	c.put(other, admin, epoch)
	if e, ok := c.settled(k); !ok || e != admin {
		t.Fatalf("settled with nothing in flight: %v %v, want the entry", e, ok)
	}
	c.begin(nil, other) // a change of another membership
	if _, ok := c.settled(k); ok {
		t.Errorf("settled answered while a change was in flight")
	}
	c.end(nil, other)
	if e, ok := c.settled(k); !ok || e != admin {
		t.Errorf("after the change ended: %v %v, want the untouched entry", e, ok)
	}
	c.begin(nil, k)
	c.end(nil, k)
	if _, ok := c.settled(k); ok {
		t.Errorf("settled answered with an entry its change dropped")
	}
}

// Update reads a settled membership from the cache (no query), and from the
// database while a change is in flight or once a change dropped it.
func TestUpdate_SettledMembershipSkipsQuery(t *testing.T) {
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
	update := func() error {
		return db.Update(ctx, u.ID, u.ID, func(tenantry.TenantAccess) error { return nil })
	}
	if err := db.View(ctx, u.ID, u.ID, func(tenantry.TenantAccess) error { return nil }); err != nil { // cached
		t.Fatal(err)
	}
	// Behind the store's back, which the lock file exists to prevent: only
	// a query can notice.
	if _, err := db.write.pool.ExecContext(ctx, "DELETE FROM memberships WHERE user_id = ?", idBytes(u.ID)); err != nil {
		t.Fatal(err)
	}
	if err := update(); err != nil {
		t.Errorf("Update with a settled entry: %v, want the cached answer (no query)", err)
	}
	k := scopeKey{tenant: u.ID, user: u.ID}
	other := scopeKey{tenant: uuid.New(), user: uuid.New()}
	db.scopes.begin(nil, other)
	if err := update(); !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("Update while a change is in flight: %v, want ErrNotMember from the query", err)
	}
	db.scopes.end(nil, other)
	db.scopes.begin(nil, k)
	db.scopes.end(nil, k)
	if err := update(); !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("Update after the entry was dropped: %v, want ErrNotMember from the query", err)
	}
}
