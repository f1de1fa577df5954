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
