package bench

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// BenchmarkHandlers runs get-by-id and list-50 through the two handlers the
// load benchmark serves, Tenantry's (as `tenantry serve` builds it) and the
// baseline's, in this process, without the network, on the same SQLite
// data: what each handler costs, apart from the HTTP server and the
// sockets. "parallel" runs 8 goroutines on GOMAXPROCS threads, as the load
// does.
//
//	go test -run '^$' -bench Handlers -benchmem ./internal/bench/
func BenchmarkHandlers(b *testing.B) {
	ctx := context.Background()
	db, err := createDatabase(ctx, "sqlite", b.TempDir(), "")
	if err != nil {
		b.Fatal(err)
	}
	store, err := sqlite.Open(ctx, db.appDSN)
	if err != nil {
		b.Fatal(err)
	}
	hash, err := auth.HashPassword(benchPassword)
	if err != nil {
		b.Fatal(err)
	}
	data, err := seed(ctx, store, hash, 0, 100, 100, 1, discard{})
	store.Close() // the server opens the file itself, and takes its lock
	if err != nil {
		b.Fatal(err)
	}
	secret := randomSecret()
	if err := mintTokens(secret, data); err != nil {
		b.Fatal(err)
	}
	spec := childSpec{Engine: "sqlite", DSN: db.appDSN}
	ours, closeOurs, err := tenantryHandler(ctx, spec, secret, io.Discard)
	if err != nil {
		b.Fatal(err)
	}
	defer closeOurs()
	base, closeBase, err := baselineHandler(ctx, spec)
	if err != nil {
		b.Fatal(err)
	}
	defer closeBase()

	request := func(r *rand.Rand, server, op string) *http.Request {
		t := &data[r.IntN(len(data))]
		var path string
		prefix := "/api/"
		if server == "baseline" {
			prefix = "/b/"
		}
		switch op {
		case "get-by-id":
			path = prefix + t.UserID.String() + "/tasks/" + t.Tasks[r.IntN(len(t.Tasks))].String()
		case "list-50":
			path = prefix + t.UserID.String() + "/tasks?limit=50"
		}
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if server == "tenantry" {
			req.Header.Set("Authorization", "Bearer "+t.Token)
		}
		return req
	}
	do := func(b *testing.B, h http.Handler, req *http.Request) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d %s", req.URL, w.Code, w.Body)
		}
	}
	for _, op := range []string{"get-by-id", "list-50"} {
		for _, sv := range []struct {
			name string
			h    http.Handler
		}{{"tenantry", ours}, {"baseline", base}} {
			b.Run(op+"/"+sv.name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				b.ReportAllocs()
				for b.Loop() {
					do(b, sv.h, request(r, sv.name, op))
				}
			})
			b.Run(op+"/"+sv.name+"/parallel", func(b *testing.B) {
				var n atomic.Uint64
				b.SetParallelism(4)
				b.ReportAllocs()
				b.RunParallel(func(pb *testing.PB) {
					r := rand.New(rand.NewPCG(n.Add(1), 2))
					for pb.Next() {
						do(b, sv.h, request(r, sv.name, op))
					}
				})
			})
		}
	}
}
