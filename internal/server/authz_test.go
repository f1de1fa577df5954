package server_test

import (
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

// openSQLite opens a fresh SQLite store in the test's temporary directory.
func openSQLite(t *testing.T) tenantry.Store {
	t.Helper()
	db := sqlitetest.MustOpen(t)
	return db
}

func openPostgres(t *testing.T) tenantry.Store {
	t.Helper()
	return postgrestest.MustOpen(t)
}

// eachStore runs test once per store engine, each in a parallel subtest.
// The PostgreSQL one skips without TENANTRY_TEST_POSTGRES.
func eachStore(t *testing.T, test func(t *testing.T, open func(t *testing.T) tenantry.Store)) {
	t.Helper()
	for name, open := range map[string]func(t *testing.T) tenantry.Store{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open)
		})
	}
}

func TestAuthorizationMatrixSQLite(t *testing.T) {
	t.Parallel()
	authztest.Run(t, openSQLite)
}

func TestAuthorizationMatrixPostgres(t *testing.T) {
	t.Parallel()
	postgrestest.URL(t) // skip early without a server
	authztest.Run(t, openPostgres)
}

// TestReadIsolationRLSAlone runs the read cases against a PostgreSQL store
// whose queries lost their tenant filter: row-level security alone must keep
// every tenant's data apart.
func TestReadIsolationRLSAlone(t *testing.T) {
	t.Parallel()
	postgrestest.URL(t)
	authztest.RunReads(t, func(t *testing.T) tenantry.Store { return postgrestest.Unfiltered(t) })
}

func TestReadIsolationSQLite(t *testing.T) {
	t.Parallel()
	authztest.RunReads(t, openSQLite)
}
