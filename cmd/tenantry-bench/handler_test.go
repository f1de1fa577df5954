package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/sqlite"
)

// BenchmarkHandlers runs get-by-id and list-50 through the two handlers the
// load benchmark serves, Tenantry's (as `tenantry serve` builds it) and the
// baseline's, in this process, without the network, on the same SQLite
// data: what each handler costs, apart from the HTTP server and the
// sockets. "parallel" runs 8 goroutines on GOMAXPROCS threads, as the load
// does.
//
//	go test -run '^$' -bench Handlers -benchmem ./cmd/tenantry-bench/
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
	data := seedForBench(b, store, 1)
	store.Close() // the server opens the file itself, and takes its lock
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

	byUser := make(map[uuid.UUID]*tenantData, len(data))
	for i := range data {
		byUser[data[i].UserID] = &data[i]
	}
	for _, op := range []string{"get-by-id", "list-50"} {
		for _, sv := range []struct {
			name string
			h    http.Handler
		}{{"tenantry", ours}, {"baseline", base}} {
			do := readThrough(byUser, sv.name == "tenantry", sv.h, op)
			b.Run(op+"/"+sv.name, func(b *testing.B) {
				r := rand.New(rand.NewPCG(1, 2))
				b.ReportAllocs()
				for b.Loop() {
					t := &data[r.IntN(len(data))]
					if err := do(ctx, t.UserID, t.Tasks[r.IntN(len(t.Tasks))]); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(op+"/"+sv.name+"/parallel", func(b *testing.B) {
				b.ReportAllocs()
				runReads(b, data, do)
			})
		}
	}
}

// readThrough returns a read of op (on task, for a get-by-id) by user
// through h: Tenantry's paths with the user's bearer token, or the
// baseline's /b/ paths (which the floor serves too).
func readThrough(byUser map[uuid.UUID]*tenantData, tenantry bool, h http.Handler, op string) func(ctx context.Context, user, task uuid.UUID) error {
	prefix := "/b/"
	if tenantry {
		prefix = "/api/"
	}
	return func(ctx context.Context, user, task uuid.UUID) error {
		path := prefix + user.String() + "/tasks?limit=50"
		if op == "get-by-id" {
			path = prefix + user.String() + "/tasks/" + task.String()
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		if tenantry {
			req.Header.Set("Authorization", "Bearer "+byUser[user].Token)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			return fmt.Errorf("%s: %d %s", path, w.Code, w.Body)
		}
		return nil
	}
}
