package main

import (
	"context"
	"io"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/auth"
)

// seedForBench seeds the read benchmarks' data through store: 100 tenants
// of 100 tasks, written by workers writers.
func seedForBench(b *testing.B, store tenantry.Store, workers int) []tenantData {
	b.Helper()
	hash, err := auth.HashPassword(benchPassword)
	if err != nil {
		b.Fatal(err)
	}
	data, err := seed(context.Background(), store, hash, 0, 100, 100, workers, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// runReads runs get in parallel, 4 goroutines per GOMAXPROCS (8 here, as the
// load does), each on random tasks of random tenants of data.
func runReads(b *testing.B, data []tenantData, get func(ctx context.Context, user, task uuid.UUID) error) {
	ctx := context.Background()
	var n atomic.Uint64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		r := rand.New(rand.NewPCG(n.Add(1), 0))
		for pb.Next() {
			t := &data[r.IntN(len(data))]
			if err := get(ctx, t.UserID, t.Tasks[r.IntN(len(t.Tasks))]); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
