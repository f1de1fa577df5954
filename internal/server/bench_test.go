package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authcache"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

// BenchmarkHandler measures one authenticated request through the whole
// handler (routing, authentication, huma, the store, the answer) on SQLite,
// without the network, as `serve` wires it (authcache in front of the
// store). It is where the server's own cost per request and its allocations
// show: go test -run '^$' -bench Handler -benchmem ./internal/server/
func BenchmarkHandler(b *testing.B) {
	db := sqlitetest.MustOpen(b)
	store := authcache.New(db, authcache.Options{TTL: time.Minute})
	h := authztest.NewHarness(b, store, func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
		// The limits stay in the path, but one user's loop must not be
		// slowed to the default 500 requests a second: that would measure
		// the wait, not the server.
		l := server.DefaultLimits()
		l.UserPerSecond, l.UserBurst = 1e9, 1e9
		c.Limits = &l
	})
	u := h.NewUser("bench@example.com")
	tok := h.Token(u)
	var ids []string
	err := store.Update(context.Background(), u.ID, u.ID, func(tx tenantry.TenantAccess) error {
		for range 100 {
			t, err := tx.CreateTask(context.Background(), tenantry.NewTask{Title: "a task to read"})
			if err != nil {
				return err
			}
			ids = append(ids, t.ID.String())
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	base := "/api/" + u.ID.String() + "/tasks"
	for _, c := range []struct{ name, path string }{
		{"get-by-id", base + "/" + ids[42]},
		{"list-50", base + "?limit=50"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, c.path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.Handler.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", c.path, w.Code, w.Body)
				}
			}
		})
	}
}

// BenchmarkHandlerAlone is BenchmarkHandler's get-by-id with the store's
// read taken out: View hands the operation a task from memory at once, so
// what is measured is the server's own work per request (routing,
// authentication, the limits, huma, the answer), with nothing of a
// database's, and allocations and CPU changes show clearly. cpu-ns/op is
// the process's CPU time per request, garbage collection included.
func BenchmarkHandlerAlone(b *testing.B) {
	db := sqlitetest.MustOpen(b)
	store := authcache.New(db, authcache.Options{TTL: time.Minute})
	mem := &memoryReads{Store: store}
	h := authztest.NewHarness(b, mem, func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(io.Discard, nil))
		l := server.DefaultLimits()
		l.UserPerSecond, l.UserBurst = 1e9, 1e9
		c.Limits = &l
	})
	u := h.NewUser("bench@example.com")
	tok := h.Token(u)
	now := time.Now().UTC()
	desc := "read from memory"
	mem.task = tenantry.Task{TenantID: u.ID, ID: uuid.Must(uuid.NewV7()), Title: "a task to read", Description: &desc,
		CreatedAt: now, UpdatedAt: now, Version: 1}
	req := httptest.NewRequest(http.MethodGet, "/api/"+u.ID.String()+"/tasks/"+mem.task.ID.String(), nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	before, ok := processCPU()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.Handler.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	// CPU time, which depends less than ns/op on what else the machine
	// runs.
	if after, ok2 := processCPU(); ok && ok2 {
		b.ReportMetric(float64(after-before)/float64(b.N), "cpu-ns/op")
	}
}

// memoryReads is a store whose View reads one task from memory.
type memoryReads struct {
	tenantry.Store
	task tenantry.Task
}

func (m *memoryReads) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	return fn(memoryTx{task: &m.task})
}

// memoryTx answers Task from memory; the benchmark calls no other method.
type memoryTx struct {
	tenantry.TenantAccess
	task *tenantry.Task
}

func (memoryTx) Scope() tenantry.Scope { return tenantry.Scope{} }

func (tx memoryTx) Task(_ context.Context, id uuid.UUID) (tenantry.Task, error) {
	if id != tx.task.ID {
		return tenantry.Task{}, tenantry.ErrTaskNotFound
	}
	return *tx.task, nil
}
