package main

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// BenchmarkHandlersPostgres runs get-by-id and list-50 through Tenantry's
// handler (as `tenantry serve` builds it) and the floor's (the baseline's
// handler behind tenant_context, as the application role), in this
// process, without the network, over the same PostgreSQL data and pools of
// the same size: where Tenantry's own work per request goes beyond what
// the design requires. Besides ns/op, which includes the wait for
// PostgreSQL, it reports cpu-ns/op, this process's CPU time (user and
// system) per request, which the database's work does not count in.
//
//	TENANTRY_TEST_POSTGRES=... go test -run '^$' -bench HandlersPostgres -benchmem ./cmd/tenantry-bench/
func BenchmarkHandlersPostgres(b *testing.B) {
	ctx := context.Background()
	pdb := postgrestest.NewDatabase(b)
	appURL := withPool(pdb.AppURL, postgres.DefaultMaxConns)
	store, err := postgres.Open(ctx, appURL)
	if err != nil {
		b.Fatal(err)
	}
	hash, err := auth.HashPassword(benchPassword)
	if err != nil {
		b.Fatal(err)
	}
	data, err := seed(ctx, store, hash, 0, 100, 100, 4, io.Discard)
	store.Close()
	if err != nil {
		b.Fatal(err)
	}
	secret := randomSecret()
	if err := mintTokens(secret, data); err != nil {
		b.Fatal(err)
	}
	ours, closeOurs, err := tenantryHandler(ctx, childSpec{Kind: "tenantry", Engine: "postgres", DSN: appURL}, secret, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer closeOurs()
	floor, closeFloor, err := baselineHandler(ctx, childSpec{Kind: "baseline", Engine: "postgres", DSN: appURL, Context: true})
	if err != nil {
		b.Fatal(err)
	}
	defer closeFloor()

	byUser := make(map[uuid.UUID]*tenantData, len(data))
	for i := range data {
		byUser[data[i].UserID] = &data[i]
	}
	for _, op := range []string{"get-by-id", "list-50"} {
		for _, sv := range []struct {
			name string
			h    http.Handler
		}{{"tenantry", ours}, {"floor", floor}} {
			do := readThrough(byUser, sv.name == "tenantry", sv.h, op)
			b.Run(op+"/"+sv.name+"/parallel", func(b *testing.B) {
				b.ReportAllocs()
				before, pgBefore := processCPUSelf(b), backendsCPU(b, pdb.AdminURL, pdb.Name)
				runReads(b, data, do)
				b.StopTimer()
				b.ReportMetric(float64(processCPUSelf(b)-before)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(backendsCPU(b, pdb.AdminURL, pdb.Name)-pgBefore)/float64(b.N), "pg-cpu-ns/op")
			})
		}
		// turns: the two handlers take turns of turnRequests requests
		// each, 8 at a time, the first of a pair swapping every round,
		// as the load benchmark's servers take turns of a second, so
		// that what else the machine runs weighs on both alike: the CPU
		// ratio is far steadier than two runs' cpu-ns/op.
		ourDo, floorDo := readThrough(byUser, true, ours, op), readThrough(byUser, false, floor, op)
		b.Run(op+"/turns", func(b *testing.B) {
			const turnRequests = 400
			var ourCPU, floorCPU time.Duration
			var served int
			for round := 0; served < b.N; round++ {
				pair := []struct {
					do  func(ctx context.Context, user, task uuid.UUID) error
					cpu *time.Duration
				}{{ourDo, &ourCPU}, {floorDo, &floorCPU}}
				if round%2 == 1 {
					pair[0], pair[1] = pair[1], pair[0]
				}
				for _, p := range pair {
					before := processCPUSelf(b)
					turn(b, data, turnRequests, p.do)
					*p.cpu += processCPUSelf(b) - before
				}
				served += turnRequests
			}
			b.ReportMetric(float64(ourCPU)/float64(served), "tenantry-cpu-ns/op")
			b.ReportMetric(float64(floorCPU)/float64(served), "floor-cpu-ns/op")
			b.ReportMetric(float64(ourCPU)/float64(floorCPU), "cpu-ratio")
		})
	}
}

// turn sends n requests through do, 8 at a time, on random tasks of random
// tenants of data.
func turn(b *testing.B, data []tenantData, n int, do func(ctx context.Context, user, task uuid.UUID) error) {
	const workers = 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), uint64(n)))
			for range n / workers {
				t := &data[r.IntN(len(data))]
				if err := do(context.Background(), t.UserID, t.Tasks[r.IntN(len(t.Tasks))]); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// backendsCPU is the CPU time the PostgreSQL backends connected to database
// db have used so far, read from /proc (the server runs on this machine). A
// backend that ended in between is not counted: the pools keep theirs.
func backendsCPU(tb testing.TB, adminURL, db string) time.Duration {
	tb.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, db)
	if err != nil {
		tb.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		tb.Fatal(err)
	}
	hz := clockTicks()
	var sum time.Duration
	for _, pid := range pids {
		if d, err := processCPU(int(pid), hz); err == nil {
			sum += d
		}
	}
	return sum
}
