package postgres_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestCollectorReadsThePool: the collector reports the pool as it is at the
// scrape: its size limit, and a connection held counts as acquired.
func TestCollectorReadsThePool(t *testing.T) {
	t.Parallel()
	store := postgrestest.MustOpen(t)
	reg := prometheus.NewRegistry()
	if err := reg.Register(store.Collector()); err != nil {
		t.Fatal(err)
	}
	gauge := func(name string) float64 {
		t.Helper()
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == name {
				return f.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	if got := gauge("tenantry_db_pool_max_conns"); got < 1 {
		t.Errorf("max_conns = %v, want at least 1", got)
	}
	before := gauge("tenantry_db_pool_acquired_conns")
	conn, err := postgres.PoolOf(store).Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := gauge("tenantry_db_pool_acquired_conns"), before+1; got != want {
		t.Errorf("acquired_conns with one held = %v, want %v", got, want)
	}
	conn.Release()
}
