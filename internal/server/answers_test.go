package server_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

// sameAnswer fails unless a and b are byte for byte the same answer,
// headers included (but Date).
func sameAnswer(t *testing.T, what string, a, b *authztest.Response) {
	t.Helper()
	if a.Status != b.Status || !bytes.Equal(a.Body, b.Body) {
		t.Errorf("%s: answers differ:\n%d %s\n%d %s", what, a.Status, a.Body, b.Status, b.Body)
	}
	ha, hb := a.Header.Clone(), b.Header.Clone()
	ha.Del("Date")
	hb.Del("Date")
	if !reflect.DeepEqual(ha, hb) {
		t.Errorf("%s: headers differ:\n%v\n%v", what, ha, hb)
	}
}

func TestNotFoundAnswersAreIdentical(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		eve := authztest.Bearer(h.Token(w.Eve))
		own := "/api/" + w.Eve.ID.String() + "/tasks/"
		missing := uuid.Must(uuid.NewV7()).String()
		for _, m := range []string{"GET", "DELETE"} {
			foreign := h.Do(m, own+w.AliceTask.ID.String(), nil, eve)
			gone := h.Do(m, own+missing, nil, eve)
			if foreign.Status != 404 {
				t.Fatalf("%s foreign task: status %d, want 404", m, foreign.Status)
			}
			if got, want := string(foreign.Body), `{"title":"Not Found","status":404,"detail":"Task not found","instance":"urn:request:`+authztest.RequestID+`"}`+"\n"; got != want {
				t.Errorf("%s foreign task body %q, want %q", m, got, want)
			}
			sameAnswer(t, m+" task", foreign, gone)
		}
		for _, m := range []string{"PUT", "PATCH"} {
			foreign := h.Do(m, own+w.AliceTask.ID.String(), map[string]any{"title": "x"}, eve)
			gone := h.Do(m, own+missing, map[string]any{"title": "x"}, eve)
			sameAnswer(t, m+" task", foreign, gone)
		}
		// An org task: missing, and another org's, seen by a member.
		mia := authztest.Bearer(h.Token(w.Mia))
		orgTasks := "/api/orgs/" + w.OrgA.ID.String() + "/tasks/"
		sameAnswer(t, "org task", h.Do("GET", orgTasks+w.OrgBTask.ID.String(), nil, mia), h.Do("GET", orgTasks+missing, nil, mia))
		// An organization: missing, someone else's, and malformed, for each route under it.
		for _, suffix := range []string{"", "/members", "/tasks", "/tasks/" + w.OrgATask.ID.String(), "/members/" + w.Alice.ID.String()} {
			foreign := h.Do("GET", "/api/orgs/"+w.OrgA.ID.String()+suffix, nil, eve)
			if suffix == "/members/"+w.Alice.ID.String() {
				foreign = h.Do("DELETE", "/api/orgs/"+w.OrgA.ID.String()+suffix, nil, eve)
			}
			if foreign.Status != 404 {
				t.Fatalf("foreign org%s: status %d", suffix, foreign.Status)
			}
			method := "GET"
			if strings.HasPrefix(suffix, "/members/") {
				method = "DELETE"
			}
			sameAnswer(t, "org"+suffix, foreign, h.Do(method, "/api/orgs/"+missing+suffix, nil, eve))
			sameAnswer(t, "malformed org"+suffix, foreign, h.Do(method, "/api/orgs/not-an-id"+suffix, nil, eve))
		}
	})
}

func TestPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		u := h.NewUser("pager@example.com")
		tok := authztest.Bearer(h.Token(u))
		base := "/api/" + u.ID.String() + "/tasks"
		var ids []string
		for i := range 5 {
			task := createTask(t, h, u.ID.String(), "task "+string(rune('a'+i)), tok)
			ids = append(ids, task["id"].(string))
		}
		if res := h.Do("PATCH", base+"/"+ids[1], map[string]any{"completed": true}, tok); res.Status != 200 {
			t.Fatalf("patch: %d %s", res.Status, res.Body)
		}
		var seen []string
		next := base + "?limit=2"
		for pages := 0; next != ""; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			res := h.Do("GET", next, nil, tok)
			if res.Status != 200 {
				t.Fatalf("GET %s: %d %s", next, res.Status, res.Body)
			}
			var page []struct{ ID string }
			res.JSON(t, &page)
			for _, p := range page {
				seen = append(seen, p.ID)
			}
			next = ""
			if l := res.Header.Get("Link"); l != "" {
				if !strings.HasSuffix(l, `>; rel="next"`) {
					t.Fatalf("Link %q", l)
				}
				next = strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
			}
		}
		if got, want := strings.Join(seen, ","), strings.Join(ids, ","); got != want {
			t.Errorf("paged ids %s, want %s", got, want)
		}
		res := h.Do("GET", base+"?completed=true", nil, tok)
		var done []struct{ ID string }
		res.JSON(t, &done)
		if len(done) != 1 || done[0].ID != ids[1] {
			t.Errorf("completed=true gave %s", res.Body)
		}
		if got, want := string(h.Do("GET", "/api/"+h.NewUser("empty@example.com").ID.String()+"/tasks", nil,
			authztest.Bearer(h.Token(mustUser(t, h, "empty@example.com")))).Body), "[]\n"; got != want {
			t.Errorf("empty list %q, want %q", got, want)
		}
		res = h.Do("DELETE", base+"?completed=false", nil, tok)
		if got, want := string(res.Body), `{"deleted_count":4}`+"\n"; res.Status != 200 || got != want {
			t.Errorf("bulk delete: %d %q, want %q", res.Status, got, want)
		}
	})
}

func mustUser(t *testing.T, h *authztest.Harness, email string) tenantry.User {
	t.Helper()
	u, err := h.Store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// downStore is a store whose database does not answer.
type downStore struct{ tenantry.Store }

func (downStore) Ping(context.Context) error {
	return errors.New("dial tcp 10.0.0.1:5432: connection refused")
}

func TestHealth(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	for _, p := range []string{"/healthz", "/readyz"} {
		if res := h.Do("GET", p, nil); res.Status != 200 || string(res.Body) != `{"status":"ok"}`+"\n" {
			t.Errorf("GET %s: %d %s", p, res.Status, res.Body)
		}
	}
	down := authztest.NewHarness(t, downStore{openSQLite(t)})
	res := down.Do("GET", "/readyz", nil)
	if got, want := res.Status, http.StatusServiceUnavailable; got != want {
		t.Fatalf("readyz with the database down: %d, want %d", got, want)
	}
	if strings.Contains(string(res.Body), "10.0.0.1") {
		t.Errorf("readyz leaks the driver error: %s", res.Body)
	}
	res.Problem(t)
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	h := authztest.NewHarness(t, openSQLite(t), func(c *server.Config) { c.Metrics = reg })
	u := h.NewUser("m@example.com")
	h.Do("GET", "/api/"+u.ID.String()+"/tasks", nil, authztest.Bearer(h.Token(u)))
	// The API does not serve its metrics, even when it records them.
	if res := h.Do("GET", "/metrics", nil); res.Status != 404 {
		t.Errorf("API /metrics with a registry: %d, want 404", res.Status)
	}
	rec := httptest.NewRecorder()
	server.MetricsHandler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("metrics: %d", rec.Code)
	}
	body := rec.Body.String()
	if want := `tenantry_http_requests_total{method="GET",route="/api/{user_id}/tasks",status="200"} 1`; !strings.Contains(body, want) {
		t.Errorf("metrics lack %s", want)
	}
	if strings.Contains(body, u.ID.String()) {
		t.Error("metrics contain a user id")
	}
	if res := authztest.NewHarness(t, openSQLite(t)).Do("GET", "/metrics", nil); res.Status != 404 {
		t.Errorf("metrics without a registry: %d, want 404", res.Status)
	}
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	res := h.Do("GET", "/nope", nil)
	if got, want := res.Status, 404; got != want {
		t.Fatalf("GET /nope: %d, want %d", got, want)
	}
	res.Problem(t)
	res = h.Do("PUT", "/api/orgs", nil)
	if got, want := res.Status, 405; got != want {
		t.Fatalf("PUT /api/orgs: %d, want %d", got, want)
	}
	if allow := res.Header.Get("Allow"); !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow %q", allow)
	}
	res.Problem(t)
	if res := h.Do("GET", "/api//orgs", nil); res.Status/100 != 3 || res.Header.Get("Location") != "/api/orgs" {
		t.Errorf("unclean path: %d to %q, want a redirect to /api/orgs", res.Status, res.Header.Get("Location"))
	}
}
