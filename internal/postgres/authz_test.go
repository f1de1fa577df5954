package postgres_test

import (
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestAuthorizationMatrixRLSAlone runs the whole authorization matrix, writes
// included, over HTTP against a store whose own tenant filter is gone
// (postgrestest.Unfiltered): every answer and every re-read of the victim's
// data must be what it is with both walls. internal/server runs the read
// cases the same way (TestReadIsolationRLSAlone) and the matrix with both walls.
func TestAuthorizationMatrixRLSAlone(t *testing.T) {
	t.Parallel()
	postgrestest.URL(t)
	if testing.Short() {
		t.Skip("-short: internal/server runs the read cases on the unfiltered store")
	}
	authztest.Run(t, func(t *testing.T) tenantry.Store { return postgrestest.Unfiltered(t) })
}

// TestAuthorizationMatrixOnCitus runs the authorization matrix over HTTP on
// Citus (TENANTRY_TEST_CITUS), with both walls. Row-level security alone
// (postgrestest.Unfiltered) cannot run there: on Citus the tenant filter is
// also what routes a statement to its shard, and without it a locking read
// (LockTenant's FOR UPDATE) is a multi-shard one, which Citus refuses.
func TestAuthorizationMatrixOnCitus(t *testing.T) {
	postgrestest.CitusURL(t)
	var citus postgrestest.Citus
	authztest.Run(t, func(t *testing.T) tenantry.Store { return citus.Open(t) })
}
