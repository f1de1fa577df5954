package postgres

import (
	"sync"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/simplelru"

	"github.com/tenantry/tenantry"
)

// defaultMaxScopes bounds the scope cache: about 80 bytes an entry.
const defaultMaxScopes = 10_000

// scopeKey is one (tenant, user) pair.
type scopeKey struct{ tenant, user uuid.UUID }

// scopeEntry is what tenant_context answered for a member.
type scopeEntry struct {
	role tenantry.Role
	kind tenantry.TenantKind
}

// scopeCache remembers the role and kind tenant_context answered for a
// member, so that a View can hand fn its Scope without a round trip of its
// own. An entry is a hint, never the check: the database confirms it with
// fn's first statement, so a stale one (a change on another replica) lets
// nothing through. Only memberships are cached, never a refusal, so unknown
// tenant ids cannot fill it.
type scopeCache struct {
	mu sync.Mutex
	m  *simplelru.LRU[scopeKey, scopeEntry] // the least recently used goes first
}

func newScopeCache(size int) *scopeCache {
	m, _ := simplelru.NewLRU[scopeKey, scopeEntry](max(1, size), nil) // errors only under 1
	return &scopeCache{m: m}
}

func (c *scopeCache) get(k scopeKey) (scopeEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m.Get(k)
}

// put stores e for k, making room by forgetting the least recently used.
func (c *scopeCache) put(k scopeKey, e scopeEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m.Add(k, e)
}

// drop forgets the given memberships.
func (c *scopeCache) drop(keys ...scopeKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		c.m.Remove(k)
	}
}

// dropUser forgets every membership of user.
func (c *scopeCache) dropUser(user uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range c.m.Keys() {
		if k.user == user {
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
