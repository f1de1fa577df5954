package server

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tenantry/tenantry/internal/limit"
)

// metrics counts requests by route pattern (never the raw path, which
// holds ids) and status.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	// Abuse: requests refused by a limit, failed sign-ins, and requests
	// refused for naming another tenant.
	rateLimited  *prometheus.CounterVec
	loginsFailed prometheus.Counter
	crossTenants *prometheus.CounterVec
	// Audit entries of refused attempts dropped because too many windows
	// were open (attempts.go).
	auditDrops *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantry_http_requests_total",
			Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tenantry_http_request_duration_seconds",
			Help:    "HTTP request latency by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantry_rate_limited_requests_total",
			Help: "Requests answered 429 by a limit, by limit name.",
		}, []string{"limit"}),
		loginsFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tenantry_login_failures_total",
			Help: "Sign-ins refused for an unknown email or a wrong password.",
		}),
		crossTenants: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantry_cross_tenant_denials_total",
			Help: "Requests refused for naming a tenant the caller is not a member of, by kind (org_not_member, path_mismatch).",
		}, []string{"kind"}),
		auditDrops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tenantry_audit_dropped_total",
			Help: "Refused attempts (access.denied, auth.login_failed) not recorded in an audit log because the recorder's windows were full, by action.",
		}, []string{"action"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.rateLimited, m.loginsFailed, m.crossTenants, m.auditDrops} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// registerRateBackend counts, when the rate limits are kept in Redis, the
// checks Redis did not answer, which this process counted alone.
func registerRateBackend(reg *prometheus.Registry, r *limit.Redis) error {
	return reg.Register(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "tenantry_rate_limit_backend_errors_total",
		Help: "Rate-limit checks Redis did not answer (an error, the timeout, or a call within a second of one), counted by this process alone.",
	}, func() float64 { return float64(r.Fallbacks()) }))
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// limited counts a request refused by limit name. A nil *metrics (no
// registry) counts nothing, like the other counters below.
func (m *metrics) limited(name string) {
	if m != nil {
		m.rateLimited.WithLabelValues(name).Inc()
	}
}

func (m *metrics) loginFailed() {
	if m != nil {
		m.loginsFailed.Inc()
	}
}

func (m *metrics) crossTenant(kind string) {
	if m != nil {
		m.crossTenants.WithLabelValues(kind).Inc()
	}
}

func (m *metrics) auditDropped(action string) {
	if m != nil {
		m.auditDrops.WithLabelValues(action).Inc()
	}
}

// MetricsHandler serves the metrics gathered in reg (Config.Metrics) in
// the Prometheus exposition format, for GET /metrics on an operator
// listener. The API itself never serves them: it is not on the public
// address and not in the OpenAPI document.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}
