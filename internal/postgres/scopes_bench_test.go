package postgres

import (
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// BenchmarkScopeCacheGet measures the look-up every View and Update makes,
// from parallel goroutines, in a cache of 1,000 members.
func BenchmarkScopeCacheGet(b *testing.B) {
	c := newScopeCache(defaultMaxScopes)
	keys := make([]scopeKey, 1000)
	for i := range keys {
		keys[i] = scopeKey{tenant: uuid.New(), user: uuid.New()}
		c.put(keys[i], scopeEntry{role: tenantry.RoleMember, kind: tenantry.KindOrg})
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, ok := c.get(keys[i%len(keys)]); !ok {
				b.Error("miss")
			}
			i++
		}
	})
}
