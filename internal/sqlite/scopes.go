package sqlite

import (
	"sync"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// defaultMaxScopes bounds the membership cache: about 80 bytes an entry.
const defaultMaxScopes = 10_000

// scopeKey is one (tenant, user) pair.
type scopeKey struct{ tenant, user uuid.UUID }

// scopeEntry is what the membership look-up answered for a member.
type scopeEntry struct {
	kind tenantry.TenantKind
	role tenantry.Role
}

// scopeCache remembers the memberships View has looked up, so that a read
// costs no membership query when nothing changed. It is exact because the
// store is the only writer of its file (the lock file taken in Open), and
// every membership change goes through the store and forgets the entries it
// touches, once before its transaction commits and once after.
//
// Only memberships are cached, never a refusal: adding a member (CreateUser,
// CreateOrg, AddMember) can make no entry stale, and unknown tenant ids
// cannot fill the cache.
//
// The epoch counts forgettings. A look-up stores what it read only if the
// epoch did not move since before it read, so an answer that raced a change
// is never kept; View compares the epoch before and after fn to learn
// whether a membership changed while fn read (see View).
type scopeCache struct {
	max int

	mu    sync.Mutex
	m     map[scopeKey]scopeEntry
	epoch uint64
}

func newScopeCache(max int) *scopeCache {
	return &scopeCache{max: max, m: make(map[scopeKey]scopeEntry)}
}

// get returns the cached membership of k, and the current epoch, to pass
// to put after a miss.
func (c *scopeCache) get(k scopeKey) (e scopeEntry, ok bool, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok = c.m[k]
	return e, ok, c.epoch
}

// now returns the current epoch.
func (c *scopeCache) now() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch
}

// put stores e for k, unless a membership was forgotten since epoch. When
// full it first drops a tenth of the entries, arbitrary ones.
func (c *scopeCache) put(k scopeKey, e scopeEntry, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch {
		return
	}
	if len(c.m) >= c.max {
		drop := max(1, c.max/10)
		for k := range c.m {
			delete(c.m, k)
			if drop--; drop == 0 {
				break
			}
		}
	}
	c.m[k] = e
}

// forget drops the entries match selects and moves the epoch.
func (c *scopeCache) forget(match func(scopeKey) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for k := range c.m {
		if match(k) {
			delete(c.m, k)
		}
	}
}

// forgetKeys drops the entries of keys and moves the epoch.
func (c *scopeCache) forgetKeys(keys ...scopeKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for _, k := range keys {
		delete(c.m, k)
	}
}

// len says how many memberships are cached.
func (c *scopeCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
