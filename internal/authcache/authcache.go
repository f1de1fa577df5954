// Package authcache answers the per-request bearer-token check from memory.
//
// Every authenticated request asks the store whether the token's user still
// exists and whether the token was revoked (tenantry.Store.TokenUser). That
// answer rarely changes, so Store keeps it in a small bounded cache and drops
// it the moment a change that could alter it goes through this process:
// RevokeToken, SetPassword, DeleteUser, DeleteSession, and membership changes
// made in an Update. Other replicas hear of those changes through PostgreSQL
// LISTEN/NOTIFY, announced by the database in the changing transaction (see
// Listen); while a replica's listener is down, it serves no cached answer
// older than Options.TTL. So a change made elsewhere goes unseen for at most
// TTL (DefaultTTL, 5 s): the announcement's delivery time while the listener
// is up; TTL from the moment a lost listener is noticed, at once when its
// connection fails and within TTL when it dies silently (see idleCheck).
package authcache

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/bounded"
)

// Defaults for Options.
const (
	// DefaultTTL bounds how stale a cached answer may be when a change made
	// on another replica was not announced (listener down, or SQLite files
	// shared by several processes, which they should not be).
	DefaultTTL = 5 * time.Second
	// DefaultMaxEntries bounds the cache: about 200 bytes an entry.
	DefaultMaxEntries = 10_000
	// DefaultListenTTL is how long an answer is served while the listener
	// is connected and announcements flow (see Listen). The database
	// announces every change in the transaction that makes it, so no
	// committed change goes unannounced to a connected listener; this is
	// only a safety net.
	DefaultListenTTL = 30 * time.Second
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// TTL is how long an answer is served from memory. Zero means DefaultTTL;
	// a negative TTL turns the cache off.
	TTL time.Duration
	// ListenTTL replaces TTL while Listen's connection is up, when changes
	// made elsewhere arrive as announcements (sent by the database with
	// every committed change) and the TTL is only a safety net. Zero means
	// DefaultListenTTL; it is never shorter than TTL. The moment the
	// listener is lost, TTL applies again to every entry.
	ListenTTL time.Duration
	// MaxEntries bounds the number of cached tokens. Zero means DefaultMaxEntries.
	MaxEntries int
	// Now is the clock; time.Now if nil.
	Now func() time.Time
	// Logger receives listener trouble; slog.Default() if nil.
	Logger *slog.Logger
}

// Store is a tenantry.Store whose TokenUser is answered from memory when
// nothing changed. Everything else passes through to the wrapped store.
type Store struct {
	tenantry.Store

	ttl       time.Duration
	listenTTL time.Duration
	// listening is set while the listener's connection is up.
	listening atomic.Bool
	max       int
	now       func() time.Time
	log       *slog.Logger

	mu sync.Mutex
	// gen goes up on every invalidation. A lookup that started before an
	// invalidation does not store what it read, since it may be the old
	// state.
	gen     uint64
	entries map[string]entry                  // by token id
	byUser  map[uuid.UUID]map[string]struct{} // token ids per user

	// stop ends Listen's goroutines and waits for them.
	stop func()
}

type entry struct {
	userID  uuid.UUID
	user    tenantry.User
	revoked bool
	at      time.Time
}

// New wraps store.
func New(store tenantry.Store, opts Options) *Store {
	s := &Store{
		Store:     store,
		ttl:       opts.TTL,
		listenTTL: opts.ListenTTL,
		max:       opts.MaxEntries,
		now:       opts.Now,
		log:       opts.Logger,
		entries:   make(map[string]entry),
		byUser:    make(map[uuid.UUID]map[string]struct{}),
	}
	if s.ttl == 0 {
		s.ttl = DefaultTTL
	}
	if s.listenTTL == 0 {
		s.listenTTL = DefaultListenTTL
	}
	s.listenTTL = max(s.listenTTL, s.ttl)
	if s.max <= 0 {
		s.max = DefaultMaxEntries
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// TTL is the bound on how long a change made on another replica can go
// unseen while no listener is connected.
func (s *Store) TTL() time.Duration { return s.ttl }

// Listening reports whether the listener's connection is up, so that
// changes made on other replicas arrive as announcements.
func (s *Store) Listening() bool { return s.listening.Load() }

// maxAge is how old a served answer may be right now.
func (s *Store) maxAge() time.Duration {
	if s.listening.Load() {
		return s.listenTTL
	}
	return s.ttl
}

// Len is the number of cached tokens.
func (s *Store) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// TokenUser answers from memory when it can, and asks the wrapped store
// otherwise. Errors are never cached.
func (s *Store) TokenUser(ctx context.Context, userID uuid.UUID, tokenID string) (tenantry.User, bool, error) {
	if s.ttl < 0 {
		return s.Store.TokenUser(ctx, userID, tokenID)
	}
	now := s.now()
	s.mu.Lock()
	if e, ok := s.entries[tokenID]; ok && e.userID == userID && now.Sub(e.at) < s.maxAge() && !now.Before(e.at) {
		s.mu.Unlock()
		return e.user, e.revoked, nil
	}
	gen := s.gen
	s.mu.Unlock()

	u, revoked, err := s.Store.TokenUser(ctx, userID, tokenID)
	if err != nil {
		return u, revoked, err
	}
	s.mu.Lock()
	if s.gen == gen {
		s.put(tokenID, entry{userID: userID, user: u, revoked: revoked, at: now})
	}
	s.mu.Unlock()
	return u, revoked, nil
}

// put stores e; s.mu is held.
func (s *Store) put(tokenID string, e entry) {
	if old, ok := s.entries[tokenID]; ok {
		s.unindex(tokenID, old.userID)
	} else {
		now := s.now()
		bounded.MakeRoom(s.entries, s.max, func(e entry) bool { return now.Sub(e.at) >= s.maxAge() }, s.drop)
	}
	s.entries[tokenID] = e
	set := s.byUser[e.userID]
	if set == nil {
		set = make(map[string]struct{})
		s.byUser[e.userID] = set
	}
	set[tokenID] = struct{}{}
}

// drop removes one token's entry; s.mu is held.
func (s *Store) drop(tokenID string) {
	if e, ok := s.entries[tokenID]; ok {
		delete(s.entries, tokenID)
		s.unindex(tokenID, e.userID)
	}
}

func (s *Store) unindex(tokenID string, userID uuid.UUID) {
	if set := s.byUser[userID]; set != nil {
		delete(set, tokenID)
		if len(set) == 0 {
			delete(s.byUser, userID)
		}
	}
}

// InvalidateUser forgets every cached answer about the user.
func (s *Store) InvalidateUser(userID uuid.UUID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	for id := range s.byUser[userID] {
		delete(s.entries, id)
	}
	delete(s.byUser, userID)
}

// InvalidateToken forgets the cached answer about one token.
func (s *Store) InvalidateToken(tokenID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.drop(tokenID)
}

// InvalidateAll forgets everything; used when notifications may have been
// missed.
func (s *Store) InvalidateAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	clear(s.entries)
	clear(s.byUser)
}

// RevokeToken records the revocation, then forgets the token here. The
// other replicas hear of it from the database (see Listen).
func (s *Store) RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time, audit *tenantry.AuditEntry) error {
	err := s.Store.RevokeToken(ctx, tokenID, expiresAt, audit)
	s.InvalidateToken(tokenID)
	return err
}

// SetPassword changes the password and forgets the user's tokens.
func (s *Store) SetPassword(ctx context.Context, id uuid.UUID, passwordHash string, audit *tenantry.AuditEntry) (tenantry.User, error) {
	u, err := s.Store.SetPassword(ctx, id, passwordHash, audit)
	s.InvalidateUser(id)
	return u, err
}

// DeleteUser deletes the user and forgets the user's tokens.
func (s *Store) DeleteUser(ctx context.Context, id uuid.UUID) error {
	err := s.Store.DeleteUser(ctx, id)
	s.InvalidateUser(id)
	return err
}

// DeleteSession ends a session. Sessions are not cached (SessionUser records
// each use), so there is nothing to forget; the method exists so the contract
// of this type names every change it watches.
func (s *Store) DeleteSession(ctx context.Context, idHash []byte, audit *tenantry.AuditEntry) error {
	return s.Store.DeleteSession(ctx, idHash, audit)
}

// Update runs fn like the wrapped store, and after a commit that changed
// memberships forgets the users concerned here (the other replicas hear of
// it from the database).
func (s *Store) Update(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	var changed []uuid.UUID
	err := s.Store.Update(ctx, userID, tenantID, func(tx tenantry.TenantAccess) error {
		return fn(&memberTx{TenantAccess: tx, changed: &changed})
	})
	for _, id := range changed {
		s.InvalidateUser(id)
	}
	return err
}

// Unwrap returns the wrapped store, so that a caller can reach what it
// offers beyond tenantry.Store (its pool statistics, for one).
func (s *Store) Unwrap() tenantry.Store { return s.Store }

// Close stops the listener, if any, and closes the wrapped store.
func (s *Store) Close() error {
	if s.stop != nil {
		s.stop()
	}
	return s.Store.Close()
}

// memberTx notes whose membership a transaction touched.
type memberTx struct {
	tenantry.TenantAccess
	changed *[]uuid.UUID
}

// AddMember adds the member and notes the user.
func (tx *memberTx) AddMember(ctx context.Context, userID uuid.UUID, role tenantry.Role) (tenantry.Member, error) {
	*tx.changed = append(*tx.changed, userID)
	return tx.TenantAccess.AddMember(ctx, userID, role)
}

// SetRole changes the role and notes the user.
func (tx *memberTx) SetRole(ctx context.Context, userID uuid.UUID, role tenantry.Role) (tenantry.Member, error) {
	*tx.changed = append(*tx.changed, userID)
	return tx.TenantAccess.SetRole(ctx, userID, role)
}

// RemoveMember removes the member and notes the user.
func (tx *memberTx) RemoveMember(ctx context.Context, userID uuid.UUID) error {
	*tx.changed = append(*tx.changed, userID)
	return tx.TenantAccess.RemoveMember(ctx, userID)
}
