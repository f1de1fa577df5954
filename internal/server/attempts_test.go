package server

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry"
)

// WithAttemptWindow shortens the refused attempts' window and bound, for
// the HTTP tests in server_test.
func WithAttemptWindow(window time.Duration, max int) func(*Config) {
	return func(c *Config) { c.attemptWindow, c.maxAttempts = window, max }
}

// writes is a recorder's write function that keeps what it is given, and
// blocks while gate is held.
type writes struct {
	mu   sync.Mutex
	got  []tenantry.AuditEntry
	gate sync.RWMutex
}

func (w *writes) write(_ context.Context, _ uuid.UUID, e tenantry.AuditEntry) error {
	w.gate.RLock()
	defer w.gate.RUnlock()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, e)
	return nil
}

func (w *writes) entries() []tenantry.AuditEntry {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]tenantry.AuditEntry(nil), w.got...)
}

func testAttempts(t *testing.T, window time.Duration, max int) (*attempts, *writes, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	w := &writes{}
	a := newAttempts(w.write, slog.New(slog.DiscardHandler), m)
	a.window, a.max = window, max
	return a, w, reg
}

// waitIdle waits for the recorder's writer to stop.
func waitIdle(t *testing.T, a *attempts) {
	t.Helper()
	a.mu.Lock()
	idle := a.idle
	a.mu.Unlock()
	if idle == nil {
		return
	}
	select {
	case <-idle:
	case <-time.After(10 * time.Second):
		t.Fatal("the recorder's writer did not stop")
	}
}

func denial(actor uuid.UUID, reqID string) tenantry.AuditEntry {
	return tenantry.AuditEntry{Action: tenantry.AuditAccessDenied, ActorUserID: actor, RequestID: reqID, Details: map[string]any{"kind": "org_not_member"}}
}

// TestAttemptsCoalesce: a flood of one key's attempts is two entries a
// window, the first at once and the rest with their count; another key
// or another actor counts apart; the writer stops once nothing is open.
func TestAttemptsCoalesce(t *testing.T) {
	t.Parallel()
	a, w, _ := testAttempts(t, 200*time.Millisecond, 100)
	tenant, other, mallory, eve := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	const n = 500
	for i := range n {
		a.note(tenant, "org_not_member", denial(mallory, "req-"+string(rune('a'+i%26))))
	}
	a.note(other, "org_not_member", denial(mallory, "other"))
	a.note(tenant, "org_not_member", denial(eve, "eve"))
	path := denial(mallory, "path")
	a.note(tenant, "path_mismatch", path)
	waitIdle(t, a)
	es := w.entries()
	if len(es) != 5 {
		t.Fatalf("%d entries %+v, want 5: two for the flood, one for each other key", len(es), es)
	}
	total := 0
	for _, e := range es {
		c, _ := e.Details["count"].(int)
		total += c
		if e.ActorUserID == mallory && e.Details["kind"] == "org_not_member" && c != 1 && c != n-1 {
			t.Errorf("flood entry count %d, want 1 or %d", c, n-1)
		}
	}
	if total != n+3 {
		t.Errorf("counts add up to %d, want %d", total, n+3)
	}
	for _, e := range es {
		if e.Details["kind"] == nil {
			t.Errorf("entry %+v lost its kind", e)
		}
	}
	if path.Details["count"] != nil {
		t.Errorf("the caller's details were changed: %v", path.Details)
	}
	// Later, a new window: the next attempt is written at once again.
	a.note(tenant, "org_not_member", denial(mallory, "later"))
	waitIdle(t, a)
	if got := w.entries(); len(got) != 6 || got[5].RequestID != "later" {
		t.Errorf("after the window: %+v", got[len(es):])
	}
}

// TestAttemptsNeverBlockAndDropPastTheBound: with the database stalled, a
// request's note still returns at once; once max windows are open, more
// keys are dropped and counted, and memory stays bounded.
func TestAttemptsNeverBlockAndDropPastTheBound(t *testing.T) {
	t.Parallel()
	a, w, reg := testAttempts(t, 100*time.Millisecond, 8)
	w.gate.Lock() // every write blocks
	mallory := uuid.New()
	start := time.Now()
	for range 1000 {
		a.note(uuid.New(), "org_not_member", denial(mallory, "flood"))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("1000 notes with the writer stalled took %v", d)
	}
	a.mu.Lock()
	open := len(a.open)
	a.mu.Unlock()
	if open > 8 {
		t.Errorf("%d windows open, want at most 8", open)
	}
	if got := counterValue(t, reg, "tenantry_audit_dropped_total", tenantry.AuditAccessDenied); got != 1000-8 {
		t.Errorf("dropped = %v, want %d", got, 1000-8)
	}
	w.gate.Unlock()
	waitIdle(t, a)
	if got := len(w.entries()); got != 8 {
		t.Errorf("%d entries written, want the 8 kept", got)
	}
}
