package server_test

import (
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
)

func TestTaskETags(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		mia := authztest.Bearer(h.Token(w.Mia))
		for _, c := range []struct{ name, path string }{
			{"org", "/api/orgs/" + w.OrgA.ID.String() + "/tasks/" + w.OrgATask.ID.String()},
			{"personal", "/api/me/tasks/" + createTask(t, h, w.Mia.ID.String(), "mine", mia)["id"].(string)},
		} {
			t.Run(c.name, func(t *testing.T) {
				read := func(opts ...authztest.Opt) *authztest.Response {
					t.Helper()
					return h.Do("GET", c.path, nil, append(opts, mia)...)
				}
				first := read()
				if first.Status != 200 {
					t.Fatalf("GET: status %d: %s", first.Status, first.Body)
				}
				etag := first.Header.Get("ETag")
				if etag != `"1"` {
					t.Fatalf("ETag = %q, want \"1\"", etag)
				}

				// If-None-Match: 304 with no body when current, weakly compared.
				for _, inm := range []string{etag, "W/" + etag, `"7", ` + etag, "*"} {
					res := read(authztest.Header("If-None-Match", inm))
					if res.Status != 304 || len(res.Body) != 0 || res.Header.Get("ETag") != etag {
						t.Errorf("If-None-Match %s: status %d, ETag %q, body %q; want 304, %s, none", inm, res.Status, res.Header.Get("ETag"), res.Body, etag)
					}
				}
				if res := read(authztest.Header("If-None-Match", `"2"`)); res.Status != 200 || len(res.Body) == 0 {
					t.Errorf(`If-None-Match "2": status %d, want 200 with the task`, res.Status)
				}

				// If-Match: a stale or weak tag is 412 and writes nothing.
				for _, m := range []struct{ method, im string }{
					{"PATCH", `"2"`}, {"PATCH", "W/" + etag}, {"PATCH", "garbage"}, {"PUT", `"0"`}, {"DELETE", `"2"`},
				} {
					var body any
					if m.method != "DELETE" {
						body = map[string]any{"title": "overwritten"}
					}
					res := h.Do(m.method, c.path, body, mia, authztest.Header("If-Match", m.im))
					if res.Status != 412 {
						t.Fatalf("%s If-Match %s: status %d, want 412: %s", m.method, m.im, res.Status, res.Body)
					}
					if got, want := res.Problem(t).Detail, tenantry.ErrVersionMismatch.Message; got != want {
						t.Errorf("412 detail %q, want %q", got, want)
					}
					if after := read(); after.Status != 200 || string(after.Body) != string(first.Body) || after.Header.Get("ETag") != etag {
						t.Fatalf("after a refused %s: status %d ETag %q body %s; want the task unchanged: %s", m.method, after.Status, after.Header.Get("ETag"), after.Body, first.Body)
					}
				}

				// The current tag (or *) passes; the answer carries the next one.
				res := h.Do("PATCH", c.path, map[string]any{"completed": true}, mia, authztest.Header("If-Match", `"9", `+etag))
				if res.Status != 200 || res.Header.Get("ETag") != `"2"` {
					t.Fatalf("PATCH with the current If-Match: status %d, ETag %q; want 200, \"2\": %s", res.Status, res.Header.Get("ETag"), res.Body)
				}
				res = h.Do("PUT", c.path, map[string]any{"title": "replaced"}, mia, authztest.Header("If-Match", "*"))
				if res.Status != 200 || res.Header.Get("ETag") != `"3"` {
					t.Fatalf("PUT with If-Match *: status %d, ETag %q; want 200, \"3\"", res.Status, res.Header.Get("ETag"))
				}
				// Without If-Match, the write goes ahead as before.
				if res := h.Do("PATCH", c.path, map[string]any{"title": "plain"}, mia); res.Status != 200 || res.Header.Get("ETag") != `"4"` {
					t.Fatalf("PATCH without If-Match: status %d, ETag %q", res.Status, res.Header.Get("ETag"))
				}
				if res := h.Do("DELETE", c.path, nil, mia, authztest.Header("If-Match", `"4"`)); res.Status != 204 {
					t.Fatalf("DELETE with the current If-Match: status %d: %s", res.Status, res.Body)
				}
				// A task that is gone is 404 whatever the precondition says.
				if res := h.Do("PATCH", c.path, map[string]any{"title": "x"}, mia, authztest.Header("If-Match", "*")); res.Status != 404 {
					t.Errorf("PATCH of a deleted task with If-Match *: status %d, want 404", res.Status)
				}
			})
		}
		// Another tenant's task stays a 404 with any precondition: no
		// version of it leaks.
		eve := authztest.Bearer(h.Token(w.Eve))
		foreign := "/api/orgs/" + w.OrgA.ID.String() + "/tasks/" + w.OrgBTask.ID.String()
		if res := h.Do("PATCH", foreign, map[string]any{"title": "x"}, mia, authztest.Header("If-Match", `"1"`)); res.Status != 404 {
			t.Errorf("PATCH another org's task through one's own: status %d, want 404", res.Status)
		}
		if res := h.Do("GET", "/api/me/tasks/"+w.AliceTask.ID.String(), nil, eve, authztest.Header("If-None-Match", `"1"`)); res.Status != 404 || res.Header.Get("ETag") != "" {
			t.Errorf("GET someone else's task with If-None-Match: status %d ETag %q, want 404 and none", res.Status, res.Header.Get("ETag"))
		}
	})
}

// Two clients edit the same version at once: exactly one wins, the other
// is told its copy is stale, and nothing of the loser is kept.
func TestConcurrentIfMatchOneWins(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		path := "/api/orgs/" + w.OrgA.ID.String() + "/tasks/" + w.OrgATask.ID.String()
		for round := range 5 {
			etag := h.Do("GET", path, nil, authztest.Bearer(h.Token(w.Alice))).Header.Get("ETag")
			statuses := map[int]int{}
			titles := map[string]int{}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, who := range []tenantry.User{w.Alice, w.Mia} {
				tok := h.Token(who)
				wg.Go(func() {
					res := h.Do("PATCH", path, map[string]any{"title": who.Email}, authztest.Bearer(tok), authztest.Header("If-Match", etag))
					mu.Lock()
					defer mu.Unlock()
					statuses[res.Status]++
					if res.Status == 200 {
						titles[who.Email]++
					}
				})
			}
			wg.Wait()
			if statuses[200] != 1 || statuses[412] != 1 {
				t.Fatalf("round %d: statuses %v, want one 200 and one 412", round, statuses)
			}
			var got struct{ Title string }
			h.Do("GET", path, nil, authztest.Bearer(h.Token(w.Alice))).JSON(t, &got)
			if titles[got.Title] != 1 {
				t.Fatalf("round %d: title %q is not the winner's (%v)", round, got.Title, titles)
			}
		}
	})
}
