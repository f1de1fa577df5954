package sqlite

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Collector returns a Prometheus collector of both connection pools'
// database/sql statistics (go_sql_*), labelled db_name="tenantry_write" for
// the one writer connection and "tenantry_read" for the readers.
func (db *DB) Collector() prometheus.Collector {
	return collectorSet{
		collectors.NewDBStatsCollector(db.write.pool, "tenantry_write"),
		collectors.NewDBStatsCollector(db.read.pool, "tenantry_read"),
	}
}

// collectorSet collects from each of its collectors.
type collectorSet []prometheus.Collector

// Describe implements prometheus.Collector.
func (s collectorSet) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range s {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (s collectorSet) Collect(ch chan<- prometheus.Metric) {
	for _, c := range s {
		c.Collect(ch)
	}
}
