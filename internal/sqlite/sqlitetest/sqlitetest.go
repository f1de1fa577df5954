// Package sqlitetest opens SQLite stores for tests, as postgrestest does
// for PostgreSQL.
package sqlitetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tenantry/tenantry/internal/sqlite"
)

// MustOpen opens a store on a new database file in the test's temporary
// directory and closes it when the test ends, failing the test if either
// goes wrong.
func MustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "tenantry.db"))
	if err != nil {
		tb.Fatalf("sqlitetest: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("sqlitetest: close: %v", err)
		}
	})
	return db
}
