package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A query's first use runs unprepared, even inside a transaction holding the
// write pool's only connection, and its statement is prepared once the
// connection is free.
func TestStmtCache_PreparesInBackground(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "tenantry.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CreateUser(ctx, "bob@example.com", "hash"); err != nil {
		t.Fatal(err)
	}
	const q = "SELECT count(*) FROM users WHERE email = ?1"
	count := func(c cachedDB) int {
		t.Helper()
		var n int
		if err := c.QueryRowContext(ctx, q, "bob@example.com").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	tx, err := db.write.pool.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := count(cachedDB{cache: db.write, tx: tx}), 1; got != want {
		t.Errorf("count in tx = %d, want %d", got, want)
	}
	time.Sleep(20 * time.Millisecond)
	if db.write.get(q) != nil {
		t.Error("statement prepared while the transaction held the only connection")
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(5 * time.Second)
	for db.write.get(q) == nil {
		if time.Now().After(deadline) {
			t.Fatal("statement never prepared")
		}
		time.Sleep(time.Millisecond)
	}
	if got, want := count(cachedDB{cache: db.write}), 1; got != want {
		t.Errorf("count with the prepared statement = %d, want %d", got, want)
	}
}
