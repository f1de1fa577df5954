package postgres_test

import (
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
	"github.com/tenantry/tenantry/internal/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	postgrestest.URL(t)
	storetest.Exercise(t, func(t *testing.T) tenantry.Store { return postgrestest.MustOpen(t) })
}

// TestStoreOnCitus runs the conformance suite on Citus (TENANTRY_TEST_CITUS),
// its cases one after another on the one distributed database.
func TestStoreOnCitus(t *testing.T) {
	postgrestest.CitusURL(t)
	var citus postgrestest.Citus
	storetest.Exercise(t, func(t *testing.T) tenantry.Store { return citus.Open(t) })
}
