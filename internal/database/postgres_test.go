package database

import (
	"context"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestOpenPostgresWrappers: on PostgreSQL, Open stacks the token cache, the
// 503 marking and the session purge on the store; the pool's collector and
// the purge are still reached through all of them.
func TestOpenPostgresWrappers(t *testing.T) {
	t.Parallel()
	db := postgrestest.NewDatabase(t)
	store, err := Open(context.Background(), db.AppURL, Options{PurgeTicks: make(chan time.Time)})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	families := gather(t, store)
	found := false
	for _, f := range families {
		found = found || f.GetName() == "tenantry_db_pool_max_conns"
	}
	if !found {
		t.Error("no tenantry_db_pool_max_conns among the collected metrics")
	}
	if _, err := purger(t, store).PurgeSessions(context.Background(), 0); err != nil {
		t.Errorf("PurgeSessions: %v", err)
	}
}
