package postgres

import (
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

func TestScopeCacheBoundAndDrops(t *testing.T) {
	c := newScopeCache(50)
	member := scopeEntry{role: tenantry.RoleMember, kind: tenantry.KindOrg}
	user := uuid.New()
	var mine []scopeKey
	for i := range 500 {
		k := scopeKey{tenant: uuid.New(), user: uuid.New()}
		if i%2 == 0 {
			k.user = user
			mine = append(mine, k)
		}
		c.put(k, member)
		if n := c.len(); n > 50 {
			t.Fatalf("after %d puts: %d entries, want at most 50", i+1, n)
		}
	}
	last := mine[len(mine)-1]
	if e, ok := c.get(last); !ok || e != member {
		t.Fatalf("the newest entry: %v %v, want it kept", e, ok)
	}
	other := scopeKey{tenant: uuid.New(), user: uuid.New()}
	c.put(other, member)
	c.dropUser(user)
	for _, k := range mine {
		if _, ok := c.get(k); ok {
			t.Fatalf("dropUser left an entry of the user")
		}
	}
	if _, ok := c.get(other); !ok {
		t.Errorf("dropUser dropped another user's entry")
	}
	c.drop(other)
	if _, ok := c.get(other); ok {
		t.Errorf("drop left the entry")
	}
}
