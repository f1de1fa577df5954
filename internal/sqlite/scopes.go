package sqlite

import (
	"sync"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/simplelru"

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
// store is its file's only writer (the lock taken in Open) and brackets
// every membership change's commit with begin and end. The epoch moves at
// each, and inflight counts the changes between: an answer read across a
// commit is never kept, and View asks stable after fn whether one may have
// committed while fn read. Only memberships are cached, never a refusal.
type scopeCache struct {
	mu       sync.Mutex
	m        *simplelru.LRU[scopeKey, scopeEntry] // the least recently used goes first
	epoch    uint64
	inflight int
}

func newScopeCache(size int) *scopeCache {
	m, _ := simplelru.NewLRU[scopeKey, scopeEntry](max(1, size), nil) // errors only under 1
	return &scopeCache{m: m}
}

// get returns the cached membership of k, and the current epoch, to pass
// to put and stable.
func (c *scopeCache) get(k scopeKey) (e scopeEntry, ok bool, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok = c.m.Get(k)
	return e, ok, c.epoch
}

// settled returns the cached membership of k if no membership change is in
// flight. Update asks it once it holds the write transaction: every change
// is made by a writer and brackets its commit with begin and end, so a
// change committed before this transaction began has either ended, and
// dropped k, or is still counted in flight; and none can commit until this
// transaction ends. A hit is therefore what the database holds.
func (c *scopeCache) settled(k scopeKey) (scopeEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inflight != 0 {
		return scopeEntry{}, false
	}
	return c.m.Get(k)
}

// stable says whether no membership change began or ended since epoch and
// none is in flight.
func (c *scopeCache) stable(epoch uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch == epoch && c.inflight == 0
}

// put stores e for k if the cache is still stable since epoch, making room
// by forgetting the least recently used.
func (c *scopeCache) put(k scopeKey, e scopeEntry, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.epoch != epoch || c.inflight != 0 {
		return
	}
	c.m.Add(k, e)
}

// begin announces a change to the memberships of keys and those match
// selects (nil: none), before its transaction commits, and drops their
// entries. Every begin is followed by one end with the same arguments, once
// the transaction committed or rolled back.
func (c *scopeCache) begin(match func(scopeKey) bool, keys ...scopeKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.inflight++
	c.drop(match, keys)
}

// end closes a begin, dropping the entries again: a look-up may have read
// the old membership between begin and the commit.
func (c *scopeCache) end(match func(scopeKey) bool, keys ...scopeKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.inflight--
	c.drop(match, keys)
}

func (c *scopeCache) drop(match func(scopeKey) bool, keys []scopeKey) {
	for _, k := range keys {
		c.m.Remove(k)
	}
	if match == nil {
		return
	}
	for _, k := range c.m.Keys() {
		if match(k) {
			c.m.Remove(k)
		}
	}
}

// len says how many memberships are cached.
func (c *scopeCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m.Len()
}
