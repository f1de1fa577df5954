package postgres

import (
	"sync"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/bounded"
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
	max int

	mu sync.RWMutex
	m  map[scopeKey]scopeEntry
}

func newScopeCache(max int) *scopeCache {
	return &scopeCache{max: max, m: make(map[scopeKey]scopeEntry)}
}

func (c *scopeCache) get(k scopeKey) (scopeEntry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e, ok := c.m[k]
	return e, ok
}

// put stores e for k. When full it first drops a tenth of the entries,
// arbitrary ones.
func (c *scopeCache) put(k scopeKey, e scopeEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok {
		bounded.MakeRoom(c.m, c.max, nil, nil)
	}
	c.m[k] = e
}

// drop forgets the given memberships.
func (c *scopeCache) drop(keys ...scopeKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		delete(c.m, k)
	}
}

// dropUser forgets every membership of user.
func (c *scopeCache) dropUser(user uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if k.user == user {
			delete(c.m, k)
		}
	}
}

// len says how many memberships are cached.
func (c *scopeCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
