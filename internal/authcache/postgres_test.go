package authcache_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authcache"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// bound is how soon a change made on one replica must be seen on another
// whose listener is up. The caches' TTL is an hour, so only the
// notification can make it happen in time.
const bound = 3 * time.Second

// replicas opens two stores over one PostgreSQL database, as two servers
// would, each wrapped in a cache that listens.
func replicas(t *testing.T) (a, b *authcache.Store, db postgrestest.Database) {
	t.Helper()
	db = postgrestest.NewDatabase(t)
	open := func() *authcache.Store {
		t.Helper()
		ctx := context.Background()
		st, err := postgres.Open(ctx, db.AppURL)
		if err != nil {
			t.Fatal(err)
		}
		c := authcache.New(st, authcache.Options{TTL: time.Hour})
		if err := c.Listen(ctx, db.AppURL); err != nil {
			st.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	return open(), open(), db
}

func createUser(t *testing.T, s tenantry.Store) tenantry.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), uuid.NewString()+"@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// eventually polls cond until it holds or the bound passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen on the other replica within %v", what, bound)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPostgresChangesReachOtherReplicas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, _ := replicas(t)

	t.Run("revocation", func(t *testing.T) {
		u := createUser(t, a)
		if _, revoked := mustTokenUser(t, b, u.ID, "tok"); revoked {
			t.Fatal("fresh token revoked")
		}
		if err := a.RevokeToken(ctx, "tok", time.Now().Add(time.Hour), nil); err != nil {
			t.Fatal(err)
		}
		if _, revoked := mustTokenUser(t, a, u.ID, "tok"); !revoked {
			t.Error("revocation not seen at once on the replica that made it")
		}
		eventually(t, "revocation", func() bool {
			_, revoked := mustTokenUser(t, b, u.ID, "tok")
			return revoked
		})
	})

	t.Run("password change", func(t *testing.T) {
		u := createUser(t, a)
		before, _ := mustTokenUser(t, b, u.ID, "tok-pw")
		if _, err := a.SetPassword(ctx, u.ID, "new-hash", nil); err != nil {
			t.Fatal(err)
		}
		eventually(t, "password change", func() bool {
			after, _ := mustTokenUser(t, b, u.ID, "tok-pw")
			return after.AuthVersion > before.AuthVersion
		})
	})

	t.Run("user deletion", func(t *testing.T) {
		u := createUser(t, a)
		mustTokenUser(t, b, u.ID, "tok-del")
		if err := a.DeleteUser(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.TokenUser(ctx, u.ID, "tok-del"); !errors.Is(err, tenantry.ErrUserNotFound) {
			t.Errorf("deleting replica: err = %v, want ErrUserNotFound at once", err)
		}
		eventually(t, "user deletion", func() bool {
			_, _, err := b.TokenUser(ctx, u.ID, "tok-del")
			return errors.Is(err, tenantry.ErrUserNotFound)
		})
	})

	t.Run("member removal", func(t *testing.T) {
		owner, member := createUser(t, a), createUser(t, a)
		org, err := a.CreateOrg(ctx, owner.ID, "Acme")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Update(ctx, owner.ID, org.Org.ID, func(tx tenantry.TenantAccess) error {
			_, err := tx.AddMember(ctx, member.ID, tenantry.RoleMember)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		view := func(s tenantry.Store) error {
			return s.View(ctx, member.ID, org.Org.ID, func(tenantry.TenantAccess) error { return nil })
		}
		mustTokenUser(t, b, member.ID, "tok-member")
		if err := view(b); err != nil {
			t.Fatalf("member's View before removal: %v", err)
		}
		if err := a.Update(ctx, owner.ID, org.Org.ID, func(tx tenantry.TenantAccess) error {
			return tx.RemoveMember(ctx, member.ID)
		}); err != nil {
			t.Fatal(err)
		}
		// The membership is checked in the tenant transaction itself, so
		// removal holds on every replica at once.
		for name, s := range map[string]tenantry.Store{"a": a, "b": b} {
			if err := view(s); !errors.Is(err, tenantry.ErrNotMember) {
				t.Errorf("replica %s: removed member's View: err = %v, want ErrNotMember", name, err)
			}
		}
	})
}

func TestPostgresWithoutListenerFallsBackToTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgrestest.NewDatabase(t)
	st, err := postgres.Open(ctx, db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	a := authcache.New(st, authcache.Options{TTL: 5 * time.Second, Now: c.Now})
	t.Cleanup(func() { a.Close() })
	st2, err := postgres.Open(ctx, db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	b := authcache.New(st2, authcache.Options{TTL: 5 * time.Second, Now: c.Now}) // no Listen
	t.Cleanup(func() { b.Close() })

	u := createUser(t, a)
	mustTokenUser(t, b, u.ID, "tok")
	if err := a.RevokeToken(ctx, "tok", time.Now().Add(time.Hour), nil); err != nil {
		t.Fatal(err)
	}
	if _, revoked := mustTokenUser(t, b, u.ID, "tok"); revoked {
		t.Fatal("an unannounced revocation was seen before the TTL: the replica is not caching")
	}
	c.Add(5 * time.Second)
	if _, revoked := mustTokenUser(t, b, u.ID, "tok"); !revoked {
		t.Error("revocation not seen once the TTL passed")
	}
}

func TestPostgresListenerReconnects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b, db := replicas(t)
	u := createUser(t, a)

	// Cut every listening connection of this database, as a restart or a
	// network failure would.
	admin, err := pgx.Connect(ctx, db.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var cut int
	if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query ILIKE 'listen %'`).Scan(&cut); err != nil {
		t.Fatal(err)
	}
	if cut < 2 {
		t.Fatalf("terminated %d listeners, want 2", cut)
	}

	// Once the listeners are back, announcements flow again. Until then a
	// revocation could be missed, which the TTL covers; so revoke a fresh
	// token repeatedly until one is seen across.
	eventually(t, "revocation after reconnect", func() bool {
		tok := uuid.NewString()
		mustTokenUser(t, b, u.ID, tok)
		if err := a.RevokeToken(ctx, tok, time.Now().Add(time.Hour), nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		_, revoked := mustTokenUser(t, b, u.ID, tok)
		return revoked
	})
}

func TestPostgresListenTTLWhileListening(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgrestest.NewDatabase(t)
	st, err := postgres.Open(ctx, db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	b := authcache.New(st, authcache.Options{TTL: 5 * time.Second, ListenTTL: time.Minute, Now: c.Now})
	if err := b.Listen(ctx, db.AppURL); err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if !b.Listening() {
		t.Fatal("Listening() = false after Listen")
	}

	// A change made behind every cache's back: the database announces every
	// revocation itself, so this one is written with the triggers off
	// (session_replication_role, superuser only). While listening, the
	// answer is kept past the TTL, up to ListenTTL.
	u := createUser(t, st)
	mustTokenUser(t, b, u.ID, "tok")
	admin, err := pgx.Connect(ctx, db.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, `SET session_replication_role = replica;
		INSERT INTO revoked_tokens (token_id, expires_at) VALUES ('tok', now() + interval '1 hour');
		RESET session_replication_role`); err != nil {
		t.Fatal(err)
	}
	c.Add(10 * time.Second)
	if _, revoked := mustTokenUser(t, b, u.ID, "tok"); revoked {
		t.Fatal("answer refetched after the TTL although the listener is up")
	}

	// Lose the listener: the TTL applies again at once (and the reconnect
	// drops the cache), so the unannounced revocation is now seen.
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND query ILIKE 'listen %'`); err != nil {
		t.Fatal(err)
	}
	eventually(t, "revocation after the listener was lost", func() bool {
		_, revoked := mustTokenUser(t, b, u.ID, "tok")
		return revoked
	})
	c.Add(time.Minute)
	if _, revoked := mustTokenUser(t, b, u.ID, "tok"); !revoked {
		t.Error("revocation forgotten")
	}
}
