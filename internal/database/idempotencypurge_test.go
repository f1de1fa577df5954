package database

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// fakeKeyPurger reports each purge of idempotency keys it is asked for.
type fakeKeyPurger struct{ calls chan struct{} }

func (f *fakeKeyPurger) PurgeIdempotencyKeys(context.Context) (int64, error) {
	f.calls <- struct{}{}
	return 1, nil
}

func TestPurgeLoopPurgesIdempotencyKeys(t *testing.T) {
	t.Parallel()
	f := &fakePurger{calls: make(chan time.Duration, 1)}
	k := &fakeKeyPurger{calls: make(chan struct{}, 1)}
	p := purgesIdempotencyKeys(f, k, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		purgeLoop(ctx, p, ticks, 0, p.log)
		close(done)
	}()
	ticks <- time.Now()
	<-f.calls
	<-k.calls
	cancel()
	<-done
}

// TestOpenPurgesExpiredIdempotencyKeys: the store Open returns deletes
// every tenant's expired Idempotency-Keys at each tick of its purge.
func TestOpenPurgesExpiredIdempotencyKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ticks := make(chan time.Time)
	var log lockedBuffer
	store, err := Open(ctx, filepath.Join(t.TempDir(), "tenantry.db"), Options{
		PurgeTicks: ticks, NoAuthCache: true, Logger: slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	db := store.(interface{ Unwrap() tenantry.Store }).Unwrap().(*sqlite.DB)
	now := time.Now()
	db.Now = func() time.Time { return now.Add(-tenantry.IdempotencyKeep - time.Hour) }
	for _, email := range []string{"alice@example.com", "bob@example.com"} {
		u, err := store.CreateUser(ctx, email, "hash")
		if err != nil {
			t.Fatal(err)
		}
		r := tenantry.IdempotentRequest{UserID: u.ID, Key: "k", BodyHash: []byte("hash")}
		if _, err := store.CreateOrgOnce(ctx, u.ID, "Acme", r); err != nil {
			t.Fatal(err)
		}
	}
	db.Now = func() time.Time { return now }

	// The second tick is taken only once the first purge is done.
	ticks <- now
	ticks <- now
	if got, want := log.String(), `msg="purged expired idempotency keys" count=2`; !strings.Contains(got, want) {
		t.Errorf("log %q lacks %q", got, want)
	}
	if n, err := db.PurgeIdempotencyKeys(ctx); err != nil || n != 0 {
		t.Errorf("PurgeIdempotencyKeys after the background purge = %d, %v; want 0 (it was purged already)", n, err)
	}
}

// lockedBuffer is a log's buffer, written by the purge and read by the
// test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
