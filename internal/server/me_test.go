package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
)

// TestMeAlias: /api/me/tasks is the caller's own /api/{user_id}/tasks, for
// whoever the caller is, with the same rules.
func TestMeAlias(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		alice := register(t, h, "alice@example.com", "password-1")
		aliceTok := authztest.Bearer(token(t, h, "alice@example.com", "password-1"))
		register(t, h, "bob@example.com", "password-2")
		bobTok := authztest.Bearer(token(t, h, "bob@example.com", "password-2"))

		mine := createTask(t, h, "me", "alice's", aliceTok)
		id := mine["id"].(string)
		// The same task under the caller's id and under me.
		for _, p := range []string{"/api/" + alice + "/tasks/" + id, "/api/me/tasks/" + id, "/api/me/tasks/" + id + "/"} {
			if res := h.Do("GET", p, nil, aliceTok); res.Status != 200 {
				t.Errorf("alice GET %s: status %d: %s", p, res.Status, res.Body)
			}
		}
		// Bob's me is Bob: he sees none of Alice's tasks, by list or by id,
		// and cannot change or delete them.
		res := h.Do("GET", "/api/me/tasks", nil, bobTok)
		var list []map[string]any
		res.JSON(t, &list)
		if res.Status != 200 || len(list) != 0 {
			t.Errorf("bob lists /api/me/tasks: status %d, %d tasks, want 200 and none: %s", res.Status, len(list), res.Body)
		}
		for _, m := range []string{"GET", "PATCH", "DELETE"} {
			var body any
			if m == "PATCH" {
				body = map[string]any{"title": "bob was here"}
			}
			if res := h.Do(m, "/api/me/tasks/"+id, body, bobTok); res.Status != 404 {
				t.Errorf("bob %s /api/me/tasks/<alice's task>: status %d, want 404", m, res.Status)
			}
		}
		if res := h.Do("DELETE", "/api/me/tasks", nil, bobTok); res.Status != 200 || !strings.Contains(string(res.Body), `"deleted_count":0`) {
			t.Errorf("bob bulk-deletes /api/me/tasks: status %d %s, want nothing deleted", res.Status, res.Body)
		}
		if res := h.Do("GET", "/api/me/tasks/"+id, nil, aliceTok); res.Status != 200 {
			t.Errorf("alice's task after bob's attempts: status %d", res.Status)
		}
		// No caller, no me.
		if res := h.Do("GET", "/api/me/tasks", nil); res.Status != 401 {
			t.Errorf("anonymous /api/me/tasks: status %d, want 401", res.Status)
		}
		// Limits and query checks are the same.
		if res := h.Do("GET", "/api/me/tasks?limit=101", nil, aliceTok); res.Status != 422 {
			t.Errorf("/api/me/tasks?limit=101: status %d, want 422", res.Status)
		}
		// Only "me" is special: another word is not the caller.
		if res := h.Do("GET", "/api/Me/tasks", nil, aliceTok); res.Status != 403 {
			t.Errorf("/api/Me/tasks: status %d, want 403", res.Status)
		}

		// A full page of /api/me/tasks links to the next page of /api/me/tasks.
		createTask(t, h, "me", "second", aliceTok)
		res = h.Do("GET", "/api/me/tasks?limit=1", nil, aliceTok)
		if got, want := res.Header.Get("Link"), fmt.Sprintf(`</api/me/tasks?after=%s&limit=1>; rel="next"`, id); got != want {
			t.Errorf("Link %q, want %q", got, want)
		}
	})
}

// TestMeAliasCookieCrossOrigin: a cookie session's cross-site write to
// /api/me/tasks is refused as it is on /api/{user_id}/tasks.
func TestMeAliasCookieCrossOrigin(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	register(t, h, "cookie@example.com", "password-1")
	cookie := authztest.Cookie(authztest.CookieName, login(t, h, "cookie@example.com", "password-1"))
	res := h.Do("POST", "/api/me/tasks", map[string]any{"title": "forged"}, cookie,
		authztest.Header("Origin", "https://evil.example"), authztest.Header("Sec-Fetch-Site", "cross-site"))
	if res.Status != 403 {
		t.Fatalf("cross-site POST /api/me/tasks with the cookie: status %d, want 403", res.Status)
	}
	res = h.Do("GET", "/api/me/tasks", nil, cookie)
	if res.Status != 200 || strings.Contains(string(res.Body), "forged") {
		t.Errorf("after the refused write: status %d %s", res.Status, res.Body)
	}
	createTask(t, h, "me", "same origin", cookie)
}
