package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// ReadData is one personal tenant seeded for the stores' read benchmarks: its owner and its tasks.
type ReadData struct {
	User  uuid.UUID
	Tasks []uuid.UUID
}

// SeedReads seeds 100 personal tenants of 100 tasks through store, one
// Update per tenant.
func SeedReads(b *testing.B, store tenantry.Store) []ReadData {
	b.Helper()
	ctx := context.Background()
	desc := "seeded by the read benchmark"
	out := make([]ReadData, 100)
	for i := range out {
		u, err := store.CreateUser(ctx, fmt.Sprintf("read-%03d@example.com", i), "x")
		if err != nil {
			b.Fatal(err)
		}
		out[i].User = u.ID
		err = store.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
			for j := range 100 {
				t, err := tx.CreateTask(ctx, tenantry.NewTask{Title: fmt.Sprintf("Task %d", j), Description: &desc, Completed: j%3 == 0})
				if err != nil {
					return err
				}
				out[i].Tasks = append(out[i].Tasks, t.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return out
}

// RunReads runs get in parallel, 4 goroutines per GOMAXPROCS (8 here, as the
// load benchmark does), each on random tasks of random tenants of data.
func RunReads(b *testing.B, data []ReadData, get func(ctx context.Context, user, task uuid.UUID) error) {
	ctx := context.Background()
	var n atomic.Uint64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(n.Add(1), 0))
		for pb.Next() {
			t := &data[r.IntN(len(data))]
			if err := get(ctx, t.User, t.Tasks[r.IntN(len(t.Tasks))]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
