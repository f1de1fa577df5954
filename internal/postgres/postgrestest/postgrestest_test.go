package postgrestest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

// randomSuffix returns a name suffix no other test uses.
func randomSuffix(t *testing.T) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// adminConn connects to the test server and closes the session when t ends.
func adminConn(t *testing.T, server string) *pgx.Conn {
	t.Helper()
	conn := connectLeaser(t, server)
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// databaseExists reports whether the server has a database called name.
func databaseExists(t *testing.T, conn *pgx.Conn, name string) bool {
	t.Helper()
	var exists bool
	err := conn.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	return exists
}

// TestDropUnleased is Main's sweep on two leftover databases: the one
// nobody leases goes, the one a session leases stays.
func TestDropUnleased(t *testing.T) {
	t.Parallel()
	server := URL(t)
	ctx := context.Background()
	free := "tenantry_fresh_" + randomSuffix(t)
	held := "tenantry_fresh_" + randomSuffix(t)

	admin := adminConn(t, server)
	holder := adminConn(t, server)
	for _, name := range []string{free, held} {
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _, _ = admin.Exec(context.Background(), dropStatement(name)) })
	}
	if leased, err := tryLease(ctx, holder, held); err != nil || !leased {
		t.Fatalf("lease %s: %t, %v", held, leased, err)
	}

	listed, err := testDatabases(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(listed, free) || !slices.Contains(listed, held) {
		t.Fatalf("testDatabases = %v, want it to hold %s and %s", listed, free, held)
	}

	sweeper := adminConn(t, server)
	dropped, err := dropUnleased(ctx, sweeper, []string{free, held})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := dropped, []string{free}; !slices.Equal(got, want) {
		t.Errorf("dropped = %v, want %v", got, want)
	}
	if databaseExists(t, admin, free) {
		t.Errorf("%s still exists", free)
	}
	if !databaseExists(t, admin, held) {
		t.Errorf("%s, leased, was dropped", held)
	}
	// The sweep lets go of the leases it took.
	if leased, err := tryLease(ctx, admin, free); err != nil || !leased {
		t.Errorf("lease %s after the sweep: %t, %v", free, leased, err)
	}
}

// TestPrepareAfterDrop leases a reusable database's name after another
// process's Main dropped it: prepare creates and migrates it again. On a
// database that exists, prepare empties it.
func TestPrepareAfterDrop(t *testing.T) {
	t.Parallel()
	server := URL(t)
	ctx := context.Background()
	name := "tenantry_test_" + schemaHash(t) + "_r" + randomSuffix(t)
	db := Database{
		Name:     name,
		OwnerURL: withDatabase(t, server, name, ""),
		AppURL:   withDatabase(t, server, name, AppRole),
		AdminURL: withDatabase(t, server, name, ""),
	}
	admin := adminConn(t, server)
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), dropStatement(name)) })

	users := func() int {
		t.Helper()
		conn, err := pgx.Connect(ctx, db.AdminURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	addUser := func() {
		t.Helper()
		conn, err := pgx.Connect(ctx, db.AdminURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `INSERT INTO users (id, email, password_hash, created_at)
			VALUES (gen_random_uuid(), 'a@example.com', 'x', now())`)
		if err != nil {
			t.Fatal(err)
		}
	}

	for round := range 2 {
		leaser := connectLeaser(t, server)
		if leased, err := tryLease(ctx, leaser, name); err != nil || !leased {
			t.Fatalf("round %d: lease: %t, %v", round, leased, err)
		}
		if err := prepare(ctx, leaser, db, ""); err != nil {
			t.Fatalf("round %d: prepare: %v", round, err)
		}
		if got, want := users(), 0; got != want {
			t.Fatalf("round %d: users = %d, want %d", round, got, want)
		}
		addUser()
		// Prepared again under the same lease, it is emptied.
		if err := prepare(ctx, leaser, db, ""); err != nil {
			t.Fatalf("round %d: prepare again: %v", round, err)
		}
		if got, want := users(), 0; got != want {
			t.Fatalf("round %d: users after prepare = %d, want %d", round, got, want)
		}
		leaser.Close(ctx)
		// Another process's Main takes the lease and drops it; it waits
		// for the lease to end first.
		sweeper := adminConn(t, server)
		var dropped []string
		for deadline := time.Now().Add(10 * time.Second); len(dropped) == 0; {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the lease of %s did not end", round, name)
			}
			var err error
			if dropped, err = dropUnleased(ctx, sweeper, []string{name}); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if databaseExists(t, admin, name) {
			t.Fatalf("round %d: %s still exists after the drop", round, name)
		}
	}
}
