package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

// exportDoc is the export's shape as a client reads it.
type exportDoc struct {
	Account struct {
		ID, Email string
	} `json:"account"`
	PersonalTasks []struct{ ID, Title string } `json:"personal_tasks"`
	Organizations []struct {
		Organization struct{ ID, Name, Role string } `json:"organization"`
		Tasks        []struct{ ID, Title string }    `json:"tasks"`
	} `json:"organizations"`
}

// TestExport: the caller's account, personal tasks and each organization's
// tasks, and nothing of anyone else's; only for the caller, never with an
// API token.
func TestExport(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		path := "/api/" + w.Alice.ID.String() + "/export"
		res := h.Do("GET", path, nil, authztest.Bearer(h.Token(w.Alice)))
		if res.Status != 200 || res.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("export: %d %s %s", res.Status, res.Header.Get("Content-Type"), res.Body)
		}
		var doc exportDoc
		if err := json.Unmarshal(res.Body, &doc); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, res.Body)
		}
		if doc.Account.Email != "alice@example.com" || len(doc.PersonalTasks) != 1 || doc.PersonalTasks[0].ID != w.AliceTask.ID.String() {
			t.Errorf("account and personal tasks: %+v", doc)
		}
		if len(doc.Organizations) != 1 || doc.Organizations[0].Organization.ID != w.OrgA.ID.String() ||
			doc.Organizations[0].Organization.Role != "owner" || len(doc.Organizations[0].Tasks) != 1 {
			t.Errorf("organizations: %+v", doc.Organizations)
		}
		for _, other := range []string{w.EveTask.ID.String(), w.OrgBTask.ID.String(), w.OrgB.ID.String()} {
			if strings.Contains(string(res.Body), other) {
				t.Errorf("the export holds %s, which is not Alice's", other)
			}
		}
		if res := h.Do("GET", path, nil, authztest.Bearer(h.Token(w.Eve))); res.Status != 403 {
			t.Errorf("eve exports alice: %d, want 403", res.Status)
		}
		if res := h.Do("GET", "/api/"+w.Alice.ID.String()+"/export", nil, authztest.Bearer(w.PersonalToken)); res.Status != 403 {
			t.Errorf("an API token exports: %d, want 403", res.Status)
		}
	})
}

// BenchmarkExportLarge measures an export of 10,000 personal tasks and
// 20 organizations of 500 tasks each: B/op against the export's size shows
// that the document is streamed, not built in memory.
func BenchmarkExportLarge(b *testing.B) {
	store := sqlitetest.MustOpen(b)
	h := authztest.NewHarness(b, store)
	u := h.NewUser("big@example.com")
	ctx := context.Background()
	fill := func(tenant [16]byte, n int) {
		for i := 0; i < n; i += 500 {
			if err := store.Update(ctx, u.ID, tenant, func(tx tenantry.TenantAccess) error {
				for j := i; j < i+500 && j < n; j++ {
					if _, err := tx.CreateTask(ctx, tenantry.NewTask{Title: fmt.Sprintf("task %d with a title of some length", j)}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
	}
	fill(u.ID, 10_000)
	for i := range 20 {
		m, err := store.CreateOrg(ctx, u.ID, fmt.Sprintf("org %d", i))
		if err != nil {
			b.Fatal(err)
		}
		fill(m.Org.ID, 500)
	}
	tok := h.Token(u)
	var size int64
	// The peak heap while exporting, with the collector kept close behind
	// (GOGC=10) so garbage does not hide the live size: a document built in
	// memory would hold at least its own size.
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var ms runtime.MemStats
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapAlloc > peak.Load() {
					peak.Store(ms.HeapAlloc)
				}
			}
		}
	}()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/api/me/export", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		cw := &countingWriter{header: http.Header{}}
		h.Handler.ServeHTTP(cw, req)
		if cw.status != 200 {
			b.Fatalf("status %d", cw.status)
		}
		size = cw.n
	}
	close(done)
	b.ReportMetric(float64(size), "export-bytes")
	b.ReportMetric(float64(peak.Load())-float64(base), "peak-heap-growth-bytes")
}

// countingWriter is a ResponseWriter that keeps only the byte count, so the
// benchmark's memory is the server's, not a recorder's copy of the body.
type countingWriter struct {
	header http.Header
	status int
	n      int64
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	w.n += int64(len(p))
	return len(p), nil
}
