package postgres

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// Collector returns a Prometheus collector of the connection pool's
// statistics (pgxpool.Stat), read at each scrape: connections in use, idle,
// being opened and allowed, and counters of acquisitions, waits and
// connections opened and closed.
func (db *DB) Collector() prometheus.Collector {
	return &poolCollector{pool: db.pool, metrics: poolMetrics()}
}

// poolCollector reads pgxpool.Stat at each scrape.
type poolCollector struct {
	pool    *pgxpool.Pool
	metrics []poolMetric
}

// poolMetric is one figure of pgxpool.Stat.
type poolMetric struct {
	desc  *prometheus.Desc
	kind  prometheus.ValueType
	value func(*pgxpool.Stat) float64
}

func newPoolMetric(name, help string, kind prometheus.ValueType, value func(*pgxpool.Stat) float64) poolMetric {
	return poolMetric{desc: prometheus.NewDesc("tenantry_db_pool_"+name, help, nil, nil), kind: kind, value: value}
}

// poolMetrics are the figures exported, in the order they are collected.
func poolMetrics() []poolMetric {
	return []poolMetric{
		newPoolMetric("acquired_conns", "Connections in use.", prometheus.GaugeValue,
			func(s *pgxpool.Stat) float64 { return float64(s.AcquiredConns()) }),
		newPoolMetric("idle_conns", "Idle connections.", prometheus.GaugeValue,
			func(s *pgxpool.Stat) float64 { return float64(s.IdleConns()) }),
		newPoolMetric("constructing_conns", "Connections being opened.", prometheus.GaugeValue,
			func(s *pgxpool.Stat) float64 { return float64(s.ConstructingConns()) }),
		newPoolMetric("total_conns", "Open connections: in use, idle and being opened.", prometheus.GaugeValue,
			func(s *pgxpool.Stat) float64 { return float64(s.TotalConns()) }),
		newPoolMetric("max_conns", "Most connections the pool opens.", prometheus.GaugeValue,
			func(s *pgxpool.Stat) float64 { return float64(s.MaxConns()) }),
		newPoolMetric("acquires_total", "Connections handed out.", prometheus.CounterValue,
			func(s *pgxpool.Stat) float64 { return float64(s.AcquireCount()) }),
		newPoolMetric("acquire_seconds_total", "Time spent handing out connections.", prometheus.CounterValue,
			func(s *pgxpool.Stat) float64 { return s.AcquireDuration().Seconds() }),
		newPoolMetric("empty_acquires_total", "Acquisitions that waited because no connection was idle.", prometheus.CounterValue,
			func(s *pgxpool.Stat) float64 { return float64(s.EmptyAcquireCount()) }),
		newPoolMetric("empty_acquire_wait_seconds_total", "Time acquisitions waited for a connection.", prometheus.CounterValue,
			func(s *pgxpool.Stat) float64 { return s.EmptyAcquireWaitTime().Seconds() }),
		newPoolMetric("canceled_acquires_total", "Acquisitions cancelled by their context.", prometheus.CounterValue,
			func(s *pgxpool.Stat) float64 { return float64(s.CanceledAcquireCount()) }),
		newPoolMetric("new_conns_total", "Connections opened.", prometheus.CounterValue,
			func(s *pgxpool.Stat) float64 { return float64(s.NewConnsCount()) }),
		newPoolMetric("max_lifetime_closed_total", "Connections closed for their age.", prometheus.CounterValue,
			func(s *pgxpool.Stat) float64 { return float64(s.MaxLifetimeDestroyCount()) }),
		newPoolMetric("max_idle_closed_total", "Connections closed for being idle.", prometheus.CounterValue,
			func(s *pgxpool.Stat) float64 { return float64(s.MaxIdleDestroyCount()) }),
	}
}

// Describe implements prometheus.Collector.
func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
}

// Collect implements prometheus.Collector.
func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	for _, m := range c.metrics {
		ch <- prometheus.MustNewConstMetric(m.desc, m.kind, m.value(s))
	}
}
