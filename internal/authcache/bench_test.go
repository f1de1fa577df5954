package authcache_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authcache"
)

// BenchmarkTokenUser measures the per-request credential check answered
// from memory, with 8 goroutines per GOMAXPROCS as the load benchmark runs:
// "hit" over 1,000 users' tokens that all fit, "churn" over twice as many
// tokens as the cache holds, so that half the lookups miss (the fake store
// answers at once) and every miss makes room.
//
//	go test -run '^$' -bench TokenUser -benchmem ./internal/authcache/
func BenchmarkTokenUser(b *testing.B) {
	for _, bc := range []struct {
		name           string
		tokens, maxLen int
	}{
		{"hit", 1_000, authcache.DefaultMaxEntries},
		{"churn", 2_000, 1_000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			f := newFake()
			users := make([]tenantry.User, bc.tokens)
			ids := make([]string, bc.tokens)
			for i := range users {
				users[i] = f.addUser(b)
				ids[i] = strconv.Itoa(i)
			}
			c := authcache.New(f, authcache.Options{MaxEntries: bc.maxLen})
			ctx := context.Background()
			for i := range users {
				if _, _, err := c.TokenUser(ctx, users[i].ID, ids[i]); err != nil {
					b.Fatal(err)
				}
			}
			var seed atomic.Uint64
			b.SetParallelism(8)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(seed.Add(1), 0))
				for pb.Next() {
					i := r.IntN(len(users))
					if u, _, err := c.TokenUser(ctx, users[i].ID, ids[i]); err != nil || u.ID != users[i].ID {
						b.Errorf("token %d: %v, %v", i, u.ID, err)
						return
					}
				}
			})
		})
	}
}
