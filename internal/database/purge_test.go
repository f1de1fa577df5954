package database

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/tenantry/tenantry"
)

// TestOpenPurgesExpiredSessions: the store Open returns deletes expired
// sessions at each tick of its purge, and stops purging when closed. The
// ticks come from the test, so nothing waits on a clock.
func TestOpenPurgesExpiredSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ticks := make(chan time.Time)
	store, err := Open(ctx, filepath.Join(t.TempDir(), "tenantry.db"), Options{
		PurgeTicks: ticks, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			store.Close()
		}
	})
	u, err := store.CreateUser(ctx, "bob@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, s := range []tenantry.Session{
		{IDHash: []byte("expired"), UserID: u.ID, CreatedAt: now.Add(-2 * time.Hour), LastSeenAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Minute)},
		{IDHash: []byte("live"), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
	} {
		if err := store.CreateSession(ctx, s, nil); err != nil {
			t.Fatal(err)
		}
	}
	p := purger(t, store)

	// The second tick is taken only once the first purge is done.
	ticks <- now
	ticks <- now
	if n, err := p.PurgeSessions(ctx, 0); err != nil || n != 0 {
		t.Errorf("PurgeSessions after the background purge = %d, %v; want 0 (it was purged already)", n, err)
	}
	if _, _, err := store.SessionUser(ctx, []byte("live"), time.Hour); err != nil {
		t.Errorf("live session: %v", err)
	}

	closed = true
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case ticks <- now:
		t.Error("a tick was taken after Close: the purge did not stop")
	default:
	}
}

// purger finds the store's PurgeSessions under Open's wrappers.
func purger(t *testing.T, store tenantry.Store) sessionPurger {
	t.Helper()
	for store != nil {
		if p, ok := store.(interface{ Unwrap() tenantry.Store }); ok {
			store = p.Unwrap()
			continue
		}
		if p, ok := store.(sessionPurger); ok {
			return p
		}
		break
	}
	t.Fatalf("%T: no PurgeSessions underneath", store)
	return nil
}

// fakePurger reports each purge it is asked for.
type fakePurger struct{ calls chan time.Duration }

func (f *fakePurger) PurgeSessions(_ context.Context, idle time.Duration) (int64, error) {
	f.calls <- idle
	return 1, nil
}

func TestPurgeLoopPassesIdleAndStops(t *testing.T) {
	t.Parallel()
	f := &fakePurger{calls: make(chan time.Duration, 1)}
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		purgeLoop(ctx, f, ticks, 45*time.Minute, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(done)
	}()
	ticks <- time.Now()
	if got, want := <-f.calls, 45*time.Minute; got != want {
		t.Errorf("idle = %v, want %v", got, want)
	}
	cancel()
	<-done
}

func TestCollectorThroughWrappers(t *testing.T) {
	t.Parallel()
	store, err := Open(context.Background(), filepath.Join(t.TempDir(), "tenantry.db"), Options{PurgeEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	families := gather(t, store)
	maxOpen := map[string]float64{}
	for _, f := range families {
		if f.GetName() != "go_sql_max_open_connections" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "db_name" {
					maxOpen[l.GetValue()] = m.GetGauge().GetValue()
				}
			}
		}
	}
	if got, want := maxOpen["tenantry_write"], 1.0; got != want {
		t.Errorf("write pool max open connections = %v, want %v (all: %v)", got, want, maxOpen)
	}
	if maxOpen["tenantry_read"] < 4 {
		t.Errorf("read pool max open connections = %v, want at least 4", maxOpen["tenantry_read"])
	}
	if Collector(nil) != nil {
		t.Error("Collector(nil) != nil")
	}
}

// gather collects the metrics of the store's collector, which Open's
// wrappers must not hide.
func gather(t *testing.T, store tenantry.Store) []*dto.MetricFamily {
	t.Helper()
	c := Collector(store)
	if c == nil {
		t.Fatal("Collector = nil, want the store's pool collector")
	}
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// fakeAuditPruner reports each prune it is asked for.
type fakeAuditPruner struct{ calls chan time.Duration }

func (f *fakeAuditPruner) PruneAudit(_ context.Context, retention time.Duration) (int64, error) {
	f.calls <- retention
	return 1, nil
}

func TestPurgeLoopPrunesTheAuditLog(t *testing.T) {
	t.Parallel()
	f := &fakePurger{calls: make(chan time.Duration, 1)}
	a := &fakeAuditPruner{calls: make(chan time.Duration, 1)}
	p := prunesAudit(f, a, 30*24*time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		purgeLoop(ctx, p, ticks, 0, p.log)
		close(done)
	}()
	ticks <- time.Now()
	<-f.calls
	if got, want := <-a.calls, 30*24*time.Hour; got != want {
		t.Errorf("retention = %v, want %v", got, want)
	}
	cancel()
	<-done
}
