package server_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
)

func TestIdempotentTaskCreate(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		mia := authztest.Bearer(h.Token(w.Mia))
		alice := authztest.Bearer(h.Token(w.Alice))
		for _, c := range []struct{ name, path string }{
			{"org", "/api/orgs/" + w.OrgA.ID.String() + "/tasks"},
			{"personal", "/api/me/tasks"},
		} {
			t.Run(c.name, func(t *testing.T) {
				count := func(who authztest.Opt) int {
					t.Helper()
					res := h.Do("GET", c.path+"?limit=100", nil, who)
					var tasks []map[string]any
					if res.Status != 200 || json.Unmarshal(res.Body, &tasks) != nil {
						t.Fatalf("list: status %d: %s", res.Status, res.Body)
					}
					return len(tasks)
				}
				key := authztest.Header("Idempotency-Key", "create-"+c.name)
				before := count(mia)
				first := h.Do("POST", c.path, map[string]any{"title": "once"}, mia, key)
				if first.Status != 201 {
					t.Fatalf("first POST: status %d: %s", first.Status, first.Body)
				}
				again := h.Do("POST", c.path, map[string]any{"title": "once"}, mia, key)
				if again.Status != 201 || string(again.Body) != string(first.Body) || again.Header.Get("ETag") != first.Header.Get("ETag") {
					t.Fatalf("replay: status %d ETag %q body %s; want 201, %q, %s", again.Status, again.Header.Get("ETag"), again.Body, first.Header.Get("ETag"), first.Body)
				}
				if n := count(mia); n != before+1 {
					t.Fatalf("after a create and its replay: %d tasks, want %d", n, before+1)
				}

				// The same key with another body is refused, names the
				// header and never echoes the body.
				other := h.Do("POST", c.path, map[string]any{"title": "other-secret-title"}, mia, key)
				if other.Status != 422 || !strings.Contains(other.Problem(t).Detail, "Idempotency-Key") || strings.Contains(string(other.Body), "other-secret-title") {
					t.Fatalf("other body: status %d: %s; want 422 naming the header", other.Status, other.Body)
				}
				if n := count(mia); n != before+1 {
					t.Fatalf("after the refused body: %d tasks, want %d", n, before+1)
				}

				// Another caller's identical key is their own.
				if c.name == "org" {
					res := h.Do("POST", c.path, map[string]any{"title": "once"}, alice, key)
					if res.Status != 201 || string(res.Body) == string(first.Body) {
						t.Fatalf("another user's same key: status %d body %s; want a task of their own", res.Status, res.Body)
					}
					if n := count(mia); n != before+2 {
						t.Fatalf("after another user's create: %d tasks, want %d", n, before+2)
					}
				}

				// Malformed keys: 422, nothing written.
				for _, bad := range []string{strings.Repeat("k", 256), "has space", "naïve"} {
					res := h.Do("POST", c.path, map[string]any{"title": "bad key"}, mia, authztest.Header("Idempotency-Key", bad))
					if res.Status != 422 {
						t.Errorf("key %.20q: status %d, want 422: %s", bad, res.Status, res.Body)
					}
				}
			})
		}
	})
}

func TestIdempotentTaskCreate_ConcurrentReplays(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		mia := authztest.Bearer(h.Token(w.Mia))
		path := "/api/orgs/" + w.OrgA.ID.String() + "/tasks"
		const n = 8
		bodies := make([]string, n)
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res := h.Do("POST", path, map[string]any{"title": "raced"}, mia, authztest.Header("Idempotency-Key", "race"))
				bodies[i], statuses[i] = string(res.Body), res.Status
			}()
		}
		wg.Wait()
		for i := range n {
			if statuses[i] != 201 || bodies[i] != bodies[0] {
				t.Fatalf("replay %d: status %d body %s; want 201 and %s", i, statuses[i], bodies[i], bodies[0])
			}
		}
		res := h.Do("GET", path+"?limit=100", nil, mia)
		if got := strings.Count(string(res.Body), `"raced"`); got != 1 {
			t.Fatalf("%d tasks titled raced, want 1: %s", got, res.Body)
		}
	})
}
