package database

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry"
)

// Collector returns the Prometheus collector of store's connection pools
// (both stores have one), looking through the wrappers Open puts around it,
// or nil if there is none.
func Collector(store tenantry.Store) prometheus.Collector {
	for store != nil {
		if c, ok := store.(interface{ Collector() prometheus.Collector }); ok {
			return c.Collector()
		}
		u, ok := store.(interface{ Unwrap() tenantry.Store })
		if !ok {
			return nil
		}
		store = u.Unwrap()
	}
	return nil
}
