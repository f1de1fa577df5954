package server_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

// TestAccessLog: one line per request at info, with the route pattern (not
// the path and its ids), the status, the body's size, the duration and the
// caller when known; requests no route takes are under a fixed route.
func TestAccessLog(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t), func(c *server.Config) { c.AccessLog = true })
	u := h.NewUser("access@example.com")
	tok := authztest.Bearer(h.Token(u))
	created := h.Do("POST", "/api/"+u.ID.String()+"/tasks", `{"title":"logged"}`, tok)
	var task struct{ ID string }
	created.JSON(t, &task)
	got := h.Do("GET", "/api/"+u.ID.String()+"/tasks/"+task.ID, nil, tok)
	anon := h.Do("GET", "/auth/me", nil)
	lost := h.Do("GET", "/api/orgs/"+u.ID.String()+"/nothing", nil)
	odd := h.Do("BREW", "/healthz", nil)

	var lines []map[string]any
	for _, rec := range logRecords(t, h.Logs.String()) {
		if rec["msg"] == "request" {
			lines = append(lines, rec)
		}
	}
	want := []struct {
		method, route string
		res           *authztest.Response
		user          bool
	}{
		{"POST", "/api/{user_id}/tasks", created, true},
		{"GET", "/api/{user_id}/tasks/{task_id}", got, true},
		{"GET", "/auth/me", anon, false},
		{"GET", "(unmatched)", lost, false},
		{"OTHER", "(unmatched)", odd, false},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d access-log lines for %d requests:\n%s", len(lines), len(want), h.Logs.String())
	}
	for i, w := range want {
		rec := lines[i]
		if rec["level"] != "INFO" || rec["method"] != w.method || rec["route"] != w.route ||
			rec["status"] != float64(w.res.Status) || rec["bytes"] != float64(len(w.res.Body)) ||
			rec["request_id"] != authztest.RequestID || rec["remote_addr"] == nil {
			t.Errorf("line %d: %v, want %s %s %d %d bytes", i, rec, w.method, w.route, w.res.Status, len(w.res.Body))
		}
		if d, ok := rec["duration_ms"].(float64); !ok || d < 0 {
			t.Errorf("line %d: duration_ms %v", i, rec["duration_ms"])
		}
		if w.user && rec["user_id"] != u.ID.String() || !w.user && rec["user_id"] != nil {
			t.Errorf("line %d: user_id %v", i, rec["user_id"])
		}
	}
	if logs := h.Logs.String(); strings.Contains(logs, task.ID) {
		t.Errorf("the access log holds a raw path:\n%s", logs)
	}
}

// TestAccessLogOff: without Config.AccessLog, requests leave no line.
func TestAccessLogOff(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	h.Do("GET", "/healthz", nil)
	h.Do("GET", "/nothing", nil)
	if logs := h.Logs.String(); logs != "" {
		t.Errorf("logged without an access log:\n%s", logs)
	}
}

// TestMetricsCountUnmatched: the router's own 404 and 405 are counted, under
// a fixed route, and a method no one registered cannot grow the labels.
func TestMetricsCountUnmatched(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := authztest.NewHarness(t, openSQLite(t), func(c *server.Config) { c.Metrics = reg })
	h.Do("GET", "/no/such/route", nil)
	h.Do("GET", "/api/orgs/x/y/z", nil)
	h.Do("DELETE", "/healthz", nil)
	h.Do("BREW", "/healthz", nil)
	h.Do("GET", "/openapi.json", nil)
	rec := httptest.NewRecorder()
	server.MetricsHandler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`tenantry_http_requests_total{method="GET",route="(unmatched)",status="404"} 2`,
		`tenantry_http_requests_total{method="DELETE",route="(unmatched)",status="405"} 1`,
		`tenantry_http_requests_total{method="OTHER",route="(unmatched)",status="405"} 1`,
		`tenantry_http_requests_total{method="GET",route="/openapi.json",status="200"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "BREW") || strings.Contains(body, "no/such") {
		t.Errorf("metrics hold what the client sent:\n%s", body)
	}
}
