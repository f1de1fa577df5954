package server_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

// panicStore panics in every tenant read.
type panicStore struct{ tenantry.Store }

func (panicStore) View(context.Context, uuid.UUID, uuid.UUID, func(tenantry.TenantAccess) error) error {
	panic("store exploded")
}

// generatedID is what the server makes: 26 characters of base32.
var generatedID = regexp.MustCompile(`^[A-Z2-7]{26}$`)

// TestRequestIDKeptOrReplaced: a well-formed incoming X-Request-Id comes
// back as sent; anything else is replaced by a fresh one, and two requests
// without one get two ids.
func TestRequestIDKeptOrReplaced(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	for _, id := range []string{"a", "req-42", "Abc.def_ghi-0123456789", strings.Repeat("x", 64), "01a23ef5-0755-7d1f-b1e9-03e84cbd6b3e"} {
		res := h.Do("GET", "/healthz", nil, authztest.Header("X-Request-Id", id))
		if got := res.Header.Get("X-Request-Id"); got != id {
			t.Errorf("X-Request-Id %q came back as %q", id, got)
		}
	}
	seen := map[string]bool{}
	for _, id := range []string{"", strings.Repeat("x", 65), "has space", "quote\"d", "semi;colon", "new\\nline", "line\nbreak", "ünï", "a/b", "{json}"} {
		res := h.Do("GET", "/healthz", nil, authztest.Header("X-Request-Id", id))
		got := res.Header.Get("X-Request-Id")
		if got == id || !generatedID.MatchString(got) {
			t.Errorf("X-Request-Id %q answered with %q, want a fresh id", id, got)
		}
		if seen[got] {
			t.Errorf("id %q given twice", got)
		}
		seen[got] = true
	}
}

// TestRequestIDOnEveryAnswer: huma's answers and problems, the router's own
// 404 and 405, a panic, a 401, and routes huma does not run (the OpenAPI
// document) all carry the id, and every problem names it as its instance.
func TestRequestIDOnEveryAnswer(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	h := authztest.NewHarness(t, db)
	u := h.NewUser("rid@example.com")
	tok := authztest.Bearer(h.Token(u))
	boom := authztest.NewHarness(t, panicStore{db})
	for _, tc := range []struct {
		name    string
		h       *authztest.Harness
		method  string
		path    string
		opts    []authztest.Opt
		status  int
		problem bool
	}{
		{"operation", h, "GET", "/api/" + u.ID.String() + "/tasks", []authztest.Opt{tok}, 200, false},
		{"not found", h, "GET", "/api/" + u.ID.String() + "/tasks/" + uuid.NewString(), []authztest.Opt{tok}, 404, true},
		{"validation", h, "GET", "/api/" + u.ID.String() + "/tasks?limit=0", []authztest.Opt{tok}, 422, true},
		{"no token", h, "GET", "/auth/me", nil, 401, true},
		{"router 404", h, "GET", "/nothing/here", nil, 404, true},
		{"router 405", h, "TRACE", "/healthz", nil, 405, true},
		{"panic", boom, "GET", "/api/" + u.ID.String() + "/tasks", []authztest.Opt{tok}, 500, true},
		{"openapi", h, "GET", "/openapi.json", nil, 200, false},
	} {
		id := "rid-" + strings.ReplaceAll(tc.name, " ", "-")
		res := tc.h.Do(tc.method, tc.path, nil, append(tc.opts, authztest.Header("X-Request-Id", id))...)
		if res.Status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, res.Status, tc.status, res.Body)
			continue
		}
		if got := res.Header.Get("X-Request-Id"); got != id {
			t.Errorf("%s: X-Request-Id %q, want %q", tc.name, got, id)
		}
		if !tc.problem {
			continue
		}
		res.Problem(t)
		var p struct{ Instance string }
		if err := json.Unmarshal(res.Body, &p); err != nil || p.Instance != "urn:request:"+id {
			t.Errorf("%s: instance %q, want %q: %s", tc.name, p.Instance, "urn:request:"+id, res.Body)
		}
	}
	// The panic's log line names the request.
	found := false
	for _, rec := range logRecords(t, boom.Logs.String()) {
		if rec["msg"] == "panic" {
			found = true
			if rec["request_id"] != "rid-panic" {
				t.Errorf("panic logged without its request id: %v", rec)
			}
		}
	}
	if !found {
		t.Errorf("no panic in the log:\n%s", boom.Logs.String())
	}
}

// TestRequestIDInEveryLogLine: every line logged while a request is served
// (security events, errors, the access log) names the request.
func TestRequestIDInEveryLogLine(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t), func(c *server.Config) { c.AccessLog = true })
	w := authztest.NewWorld(t, h)
	before := len(logRecords(t, h.Logs.String())) // building the world logs nothing per request
	eve := authztest.Bearer(h.Token(w.Eve))
	ids := map[string]bool{}
	do := func(id, method, path string, opts ...authztest.Opt) {
		t.Helper()
		ids[id] = true
		h.Do(method, path, nil, append(opts, authztest.Header("X-Request-Id", id))...)
	}
	do("r1", "GET", "/api/"+w.Alice.ID.String()+"/tasks", eve)                        // path mismatch
	do("r2", "GET", "/api/"+w.Eve.ID.String()+"/tasks/"+w.AliceTask.ID.String(), eve) // foreign task
	do("r3", "GET", "/auth/me", authztest.Bearer(h.ForgedToken(w.Eve)))               // bad signature
	do("r4", "GET", "/api/orgs/"+w.OrgA.ID.String()+"/tasks", eve)                    // not a member
	do("r5", "GET", "/no/such/route")
	recs := logRecords(t, h.Logs.String())[before:]
	if len(recs) < 9 { // four events and five access lines at least
		t.Fatalf("only %d log lines:\n%s", len(recs), h.Logs.String())
	}
	perID := map[any]int{}
	for _, rec := range recs {
		id, _ := rec["request_id"].(string)
		if !ids[id] {
			t.Errorf("log line without a request id of ours: %v", rec)
		}
		if rec["msg"] == "request" {
			perID[id]++
		}
	}
	for id := range ids {
		if perID[id] != 1 {
			t.Errorf("request %s has %d access-log lines, want 1", id, perID[id])
		}
	}
}
