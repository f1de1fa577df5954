package authcache_test

import (
	"context"
	"io/fs"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/authcache"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// named returns dbURL with application_name set, so that a test can find
// one replica's backends in pg_stat_activity.
func named(t *testing.T, dbURL, name string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgresRevocationSurvivesTheNotifiersConnection: the replica that
// revokes a token has lost every connection but its store's (terminated by
// the server, as idle_session_timeout or a restart would), and the other
// replica, whose listener is up, still refuses the token at once. Both
// caches run on a clock that never moves and keep answers for an hour, so
// only the announcement can make the other replica refuse: within the
// documented bound (DefaultTTL) means, here, with no time passing at all.
// When the announcement was sent by the revoking replica over a connection
// of its own after the commit, it was lost with that connection, and the
// other replica accepted the token for its whole listening TTL.
func TestPostgresRevocationSurvivesTheNotifiersConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgrestest.NewDatabase(t)
	c := newClock()
	// Replica a's store pool and its cache's own connections carry names
	// of their own, so that the test can cut the latter alone.
	own := "authcache-a-" + uuid.NewString()[:8]
	open := func(storeURL, cacheURL string) *authcache.Store {
		t.Helper()
		st, err := postgres.Open(ctx, storeURL)
		if err != nil {
			t.Fatal(err)
		}
		s := authcache.New(st, authcache.Options{TTL: time.Hour, ListenTTL: time.Hour, Now: c.Now})
		if err := s.Listen(ctx, cacheURL); err != nil {
			st.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a := open(named(t, db.AppURL, "authcache-a-store"), named(t, db.AppURL, own))
	b := open(db.AppURL, db.AppURL)

	u := createUser(t, a)
	tok := uuid.NewString()
	for name, s := range map[string]*authcache.Store{"a": a, "b": b} {
		if _, revoked := mustTokenUser(t, s, u.ID, tok); revoked {
			t.Fatalf("replica %s: fresh token revoked", name)
		}
	}
	// Replica a has announced a change before, so any connection it keeps
	// for announcing is open. Then every connection of replica a other than
	// its store's pool is cut: its listener, and whatever else it opened.
	if err := a.RevokeToken(ctx, uuid.NewString(), time.Now().Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(ctx, db.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var cut int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, own).Scan(&cut); err != nil {
		t.Fatal(err)
	}
	if cut == 0 {
		t.Fatal("terminated no connection of replica a's cache")
	}

	if err := a.RevokeToken(ctx, tok, time.Now().Add(time.Hour), nil); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if _, revoked := mustTokenUser(t, a, u.ID, tok); !revoked {
		t.Error("revocation not seen at once on the replica that made it")
	}
	// The announcement is delivered asynchronously; the guard below only
	// stops a test that would otherwise wait forever, the fake clock has
	// not moved.
	guard := time.Now().Add(10 * time.Second)
	for {
		if _, revoked := mustTokenUser(t, b, u.ID, tok); revoked {
			break
		}
		if time.Now().After(guard) {
			t.Fatal("replica b still accepts the revoked token, with no time passed on its clock: the announcement was lost")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !b.Listening() {
		t.Error("replica b's listener is down; the refusal did not come from the announcement")
	}
}

// TestMigrationAnnouncesOnChannel: the triggers that announce changes send
// on the channel Listen listens to.
func TestMigrationAnnouncesOnChannel(t *testing.T) {
	t.Parallel()
	b, err := fs.ReadFile(postgres.Migrations(), "00003_auth_notify.sql")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Count(string(b), "pg_notify('"+authcache.Channel+"'"), 3; got != want {
		t.Errorf("pg_notify calls on %q in the migration: %d, want %d", authcache.Channel, got, want)
	}
}
