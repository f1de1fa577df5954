package authcache_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authcache"
)

// fakeStore keeps users, revocations and memberships in maps and counts
// TokenUser calls. Methods the tests do not use panic through the nil
// embedded interface.
type fakeStore struct {
	tenantry.Store

	mu       sync.Mutex
	calls    int
	users    map[uuid.UUID]tenantry.User
	revoked  map[string]bool
	members  map[[2]uuid.UUID]tenantry.Role
	closed   bool
	inLookup func() // called during TokenUser, outside the lock
}

func newFake() *fakeStore {
	return &fakeStore{
		users:   make(map[uuid.UUID]tenantry.User),
		revoked: make(map[string]bool),
		members: make(map[[2]uuid.UUID]tenantry.Role),
	}
}

func (f *fakeStore) addUser(t testing.TB) tenantry.User {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	u := tenantry.User{ID: uuid.Must(uuid.NewV7()), Email: "u@example.com", AuthVersion: 1}
	f.users[u.ID] = u
	f.members[[2]uuid.UUID{u.ID, u.ID}] = tenantry.RoleOwner
	return u
}

func (f *fakeStore) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeStore) TokenUser(_ context.Context, userID uuid.UUID, tokenID string) (tenantry.User, bool, error) {
	f.mu.Lock()
	f.calls++
	u, ok := f.users[userID]
	revoked := f.revoked[tokenID]
	hook := f.inLookup
	f.mu.Unlock()
	if hook != nil {
		hook()
	}
	if !ok {
		return tenantry.User{}, false, tenantry.ErrUserNotFound
	}
	return u, revoked, nil
}

func (f *fakeStore) RevokeToken(_ context.Context, tokenID string, _ time.Time, _ *tenantry.AuditEntry) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked[tokenID] = true
	return nil
}

func (f *fakeStore) SetPassword(_ context.Context, id uuid.UUID, hash string, _ *tenantry.AuditEntry) (tenantry.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	if !ok {
		return u, tenantry.ErrUserNotFound
	}
	u.PasswordHash = hash
	u.AuthVersion++
	f.users[id] = u
	return u, nil
}

func (f *fakeStore) DeleteUser(_ context.Context, id uuid.UUID) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.users, id)
	return nil
}

func (f *fakeStore) DeleteSession(context.Context, []byte, *tenantry.AuditEntry) error { return nil }

func (f *fakeStore) View(_ context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	f.mu.Lock()
	role, ok := f.members[[2]uuid.UUID{userID, tenantID}]
	f.mu.Unlock()
	if !ok {
		return tenantry.ErrNotMember
	}
	return fn(&fakeTx{f: f, scope: tenantry.Scope{UserID: userID, TenantID: tenantID, Role: role}})
}

func (f *fakeStore) Update(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	return f.View(ctx, userID, tenantID, fn)
}

func (f *fakeStore) Close() error { f.closed = true; return nil }

type fakeTx struct {
	tenantry.TenantAccess
	f     *fakeStore
	scope tenantry.Scope
}

func (tx *fakeTx) Scope() tenantry.Scope { return tx.scope }

func (tx *fakeTx) AddMember(_ context.Context, userID uuid.UUID, role tenantry.Role) (tenantry.Member, error) {
	tx.f.mu.Lock()
	defer tx.f.mu.Unlock()
	tx.f.members[[2]uuid.UUID{userID, tx.scope.TenantID}] = role
	return tenantry.Member{TenantID: tx.scope.TenantID, UserID: userID, Role: role}, nil
}

func (tx *fakeTx) RemoveMember(_ context.Context, userID uuid.UUID) error {
	tx.f.mu.Lock()
	defer tx.f.mu.Unlock()
	delete(tx.f.members, [2]uuid.UUID{userID, tx.scope.TenantID})
	return nil
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func mustTokenUser(t *testing.T, s tenantry.Store, userID uuid.UUID, tokenID string) (tenantry.User, bool) {
	t.Helper()
	u, revoked, err := s.TokenUser(context.Background(), userID, tokenID)
	if err != nil {
		t.Fatalf("TokenUser: %v", err)
	}
	return u, revoked
}

func TestTokenUserIsCached(t *testing.T) {
	t.Parallel()
	f := newFake()
	u := f.addUser(t)
	s := authcache.New(f, authcache.Options{})

	for range 5 {
		got, revoked := mustTokenUser(t, s, u.ID, "tok")
		if got.ID != u.ID || revoked {
			t.Fatalf("TokenUser = %v, %v; want %v, false", got.ID, revoked, u.ID)
		}
	}
	if got, want := f.Calls(), 1; got != want {
		t.Errorf("store calls = %d, want %d", got, want)
	}
	if got, want := s.Len(), 1; got != want {
		t.Errorf("Len = %d, want %d", got, want)
	}
}

func TestTokenOfAnotherUserIsNotServedFromCache(t *testing.T) {
	t.Parallel()
	f := newFake()
	u1, u2 := f.addUser(t), f.addUser(t)
	s := authcache.New(f, authcache.Options{})
	mustTokenUser(t, s, u1.ID, "tok")
	got, _ := mustTokenUser(t, s, u2.ID, "tok")
	if got.ID != u2.ID {
		t.Errorf("TokenUser(u2) returned user %v, want %v", got.ID, u2.ID)
	}
}

func TestChangesTakeEffectImmediately(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name  string
		apply func(t *testing.T, s *authcache.Store, u tenantry.User)
		check func(t *testing.T, u tenantry.User, revoked bool, err error)
	}{
		{
			name: "revocation",
			apply: func(t *testing.T, s *authcache.Store, _ tenantry.User) {
				if err := s.RevokeToken(ctx, "tok", time.Now().Add(time.Hour), nil); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, _ tenantry.User, revoked bool, err error) {
				if err != nil || !revoked {
					t.Errorf("after revocation: revoked=%v err=%v, want true, nil", revoked, err)
				}
			},
		},
		{
			name: "password change",
			apply: func(t *testing.T, s *authcache.Store, u tenantry.User) {
				if _, err := s.SetPassword(ctx, u.ID, "new-hash", nil); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, u tenantry.User, _ bool, err error) {
				if err != nil {
					t.Fatal(err)
				}
				if got, want := u.AuthVersion, int64(2); got != want {
					t.Errorf("AuthVersion = %d, want %d", got, want)
				}
			},
		},
		{
			name: "user deletion",
			apply: func(t *testing.T, s *authcache.Store, u tenantry.User) {
				if err := s.DeleteUser(ctx, u.ID); err != nil {
					t.Fatal(err)
				}
			},
			check: func(t *testing.T, _ tenantry.User, _ bool, err error) {
				if !errors.Is(err, tenantry.ErrUserNotFound) {
					t.Errorf("after deletion: err = %v, want ErrUserNotFound", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFake()
			u := f.addUser(t)
			s := authcache.New(f, authcache.Options{TTL: time.Hour})
			mustTokenUser(t, s, u.ID, "tok")
			tt.apply(t, s, u)
			got, revoked, err := s.TokenUser(ctx, u.ID, "tok")
			tt.check(t, got, revoked, err)
		})
	}
}

func TestMemberRemovalTakesEffectImmediately(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake()
	owner, member := f.addUser(t), f.addUser(t)
	org := owner.ID // any tenant the owner belongs to
	s := authcache.New(f, authcache.Options{TTL: time.Hour})

	if err := s.Update(ctx, owner.ID, org, func(tx tenantry.TenantAccess) error {
		_, err := tx.AddMember(ctx, member.ID, tenantry.RoleMember)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mustTokenUser(t, s, member.ID, "member-tok")
	if err := s.View(ctx, member.ID, org, func(tenantry.TenantAccess) error { return nil }); err != nil {
		t.Fatalf("member View before removal: %v", err)
	}
	calls := f.Calls()

	if err := s.Update(ctx, owner.ID, org, func(tx tenantry.TenantAccess) error {
		return tx.RemoveMember(ctx, member.ID)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.View(ctx, member.ID, org, func(tenantry.TenantAccess) error { return nil }); !errors.Is(err, tenantry.ErrNotMember) {
		t.Errorf("View after removal: err = %v, want ErrNotMember", err)
	}
	mustTokenUser(t, s, member.ID, "member-tok")
	if got, want := f.Calls(), calls+1; got != want {
		t.Errorf("store calls after removal = %d, want %d (the member's cached answer dropped)", got, want)
	}
}

func TestUnannouncedChangeSeenWithinTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake()
	u := f.addUser(t)
	c := newClock()
	s := authcache.New(f, authcache.Options{TTL: 5 * time.Second, Now: c.Now})
	mustTokenUser(t, s, u.ID, "tok")

	// Another replica revokes the token without telling this one.
	if err := f.RevokeToken(ctx, "tok", time.Time{}, nil); err != nil {
		t.Fatal(err)
	}
	c.Add(4 * time.Second)
	if _, revoked := mustTokenUser(t, s, u.ID, "tok"); revoked {
		t.Fatal("revocation seen before the TTL without an announcement; the cache is not caching")
	}
	c.Add(time.Second)
	if _, revoked := mustTokenUser(t, s, u.ID, "tok"); !revoked {
		t.Error("revocation not seen once the TTL passed")
	}
}

func TestLookupRacingAnInvalidationIsNotCached(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake()
	u := f.addUser(t)
	s := authcache.New(f, authcache.Options{TTL: time.Hour})

	// The lookup reads "not revoked"; before it stores the answer the token
	// is revoked. The stale answer must not be kept.
	f.inLookup = func() {
		f.inLookup = nil
		if err := s.RevokeToken(ctx, "tok", time.Time{}, nil); err != nil {
			t.Error(err)
		}
	}
	if _, revoked := mustTokenUser(t, s, u.ID, "tok"); revoked {
		t.Fatal("first lookup should have read the state before the revocation")
	}
	if _, revoked := mustTokenUser(t, s, u.ID, "tok"); !revoked {
		t.Error("a lookup that raced a revocation left a stale answer in the cache")
	}
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	f := newFake()
	u := f.addUser(t)
	s := authcache.New(f, authcache.Options{MaxEntries: 100})
	for i := range 1000 {
		mustTokenUser(t, s, u.ID, uuid.NewString())
		if got := s.Len(); got > 100 {
			t.Fatalf("after %d tokens Len = %d, want at most 100", i+1, got)
		}
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake()
	s := authcache.New(f, authcache.Options{})
	id := uuid.Must(uuid.NewV7())
	for range 2 {
		if _, _, err := s.TokenUser(ctx, id, "tok"); !errors.Is(err, tenantry.ErrUserNotFound) {
			t.Fatalf("err = %v, want ErrUserNotFound", err)
		}
	}
	if got, want := f.Calls(), 2; got != want {
		t.Errorf("store calls = %d, want %d", got, want)
	}
}

func TestNegativeTTLDisablesCache(t *testing.T) {
	t.Parallel()
	f := newFake()
	u := f.addUser(t)
	s := authcache.New(f, authcache.Options{TTL: -1})
	mustTokenUser(t, s, u.ID, "tok")
	mustTokenUser(t, s, u.ID, "tok")
	if got, want := f.Calls(), 2; got != want {
		t.Errorf("store calls = %d, want %d", got, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFake()
	users := []tenantry.User{f.addUser(t), f.addUser(t), f.addUser(t)}
	s := authcache.New(f, authcache.Options{MaxEntries: 8})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 500 {
				u := users[(w+i)%len(users)]
				tok := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}[i%10]
				if _, _, err := s.TokenUser(ctx, u.ID, tok); err != nil {
					t.Error(err)
					return
				}
				if i%50 == 0 {
					s.InvalidateUser(u.ID)
				}
			}
		})
	}
	wg.Wait()
	if got := s.Len(); got > 8 {
		t.Errorf("Len = %d, want at most 8", got)
	}
}

func TestCloseClosesWrappedStore(t *testing.T) {
	t.Parallel()
	f := newFake()
	s := authcache.New(f, authcache.Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !f.closed {
		t.Error("wrapped store not closed")
	}
}
