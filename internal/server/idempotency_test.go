package server_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
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

// countAt reads a JSON array at path and says how long it is.
func countAt(t *testing.T, h *authztest.Harness, path string, who authztest.Opt) int {
	t.Helper()
	res := h.Do("GET", path, nil, who)
	var items []map[string]any
	if res.Status != 200 || json.Unmarshal(res.Body, &items) != nil {
		t.Fatalf("GET %s: status %d: %s", path, res.Status, res.Body)
	}
	return len(items)
}

func TestIdempotentOrgCreate(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		mia := authztest.Bearer(h.Token(w.Mia))
		alice := authztest.Bearer(h.Token(w.Alice))
		key := authztest.Header("Idempotency-Key", "create-org")
		before := countAt(t, h, "/api/orgs?limit=100", mia)
		first := h.Do("POST", "/api/orgs", map[string]any{"name": "Once"}, mia, key)
		if first.Status != 201 {
			t.Fatalf("first POST: status %d: %s", first.Status, first.Body)
		}
		var org struct{ ID string }
		first.JSON(t, &org)
		again := h.Do("POST", "/api/orgs", map[string]any{"name": "Once"}, mia, key)
		if again.Status != 201 || string(again.Body) != string(first.Body) {
			t.Fatalf("replay: status %d body %s; want 201 and %s", again.Status, again.Body, first.Body)
		}
		if n := countAt(t, h, "/api/orgs?limit=100", mia); n != before+1 {
			t.Fatalf("after a create and its replay: %d orgs, want %d", n, before+1)
		}
		if n := countAt(t, h, "/api/orgs/"+org.ID+"/members", mia); n != 1 {
			t.Fatalf("after the replay: %d members, want the owner alone", n)
		}

		// The same key with another body is refused, names the header and
		// never echoes the body; nothing is created.
		other := h.Do("POST", "/api/orgs", map[string]any{"name": "other-secret-name"}, mia, key)
		if other.Status != 422 || !strings.Contains(other.Problem(t).Detail, "Idempotency-Key") || strings.Contains(string(other.Body), "other-secret-name") {
			t.Fatalf("other body: status %d: %s; want 422 naming the header", other.Status, other.Body)
		}
		if n := countAt(t, h, "/api/orgs?limit=100", mia); n != before+1 {
			t.Fatalf("after the refused body: %d orgs, want %d", n, before+1)
		}

		// Another caller's identical key is their own.
		aliceBefore := countAt(t, h, "/api/orgs?limit=100", alice)
		res := h.Do("POST", "/api/orgs", map[string]any{"name": "Once"}, alice, key)
		if res.Status != 201 || string(res.Body) == string(first.Body) {
			t.Fatalf("another user's same key: status %d body %s; want an org of their own", res.Status, res.Body)
		}
		if n := countAt(t, h, "/api/orgs?limit=100", alice); n != aliceBefore+1 {
			t.Fatalf("alice after her create: %d orgs, want %d", n, aliceBefore+1)
		}
		if n := countAt(t, h, "/api/orgs?limit=100", mia); n != before+1 {
			t.Fatalf("mia after alice's create: %d orgs, want %d", n, before+1)
		}

		// The keys of the personal space: one used for a personal task
		// cannot create an organization.
		taskKey := authztest.Header("Idempotency-Key", "used-for-a-task")
		if res := h.Do("POST", "/api/me/tasks", map[string]any{"title": "t"}, mia, taskKey); res.Status != 201 {
			t.Fatalf("task: status %d: %s", res.Status, res.Body)
		}
		if res := h.Do("POST", "/api/orgs", map[string]any{"name": "t"}, mia, taskKey); res.Status != 422 {
			t.Fatalf("a task's key on POST /api/orgs: status %d: %s; want 422", res.Status, res.Body)
		}

		for _, bad := range []string{strings.Repeat("k", 256), "has space", "naïve"} {
			res := h.Do("POST", "/api/orgs", map[string]any{"name": "bad key"}, mia, authztest.Header("Idempotency-Key", bad))
			if res.Status != 422 {
				t.Errorf("key %.20q: status %d, want 422: %s", bad, res.Status, res.Body)
			}
		}
		if n := countAt(t, h, "/api/orgs?limit=100", mia); n != before+1 {
			t.Fatalf("after the refusals: %d orgs, want %d", n, before+1)
		}
	})
}

func TestIdempotentOrgCreate_ConcurrentReplays(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		mia := authztest.Bearer(h.Token(w.Mia))
		before := countAt(t, h, "/api/orgs?limit=100", mia)
		bodies, statuses := race(8, func() *authztest.Response {
			return h.Do("POST", "/api/orgs", map[string]any{"name": "raced"}, mia, authztest.Header("Idempotency-Key", "race"))
		})
		for i := range bodies {
			if statuses[i] != 201 || bodies[i] != bodies[0] {
				t.Fatalf("replay %d: status %d body %s; want 201 and %s", i, statuses[i], bodies[i], bodies[0])
			}
		}
		if n := countAt(t, h, "/api/orgs?limit=100", mia); n != before+1 {
			t.Fatalf("%d orgs after concurrent replays, want %d", n, before+1)
		}
	})
}

// race sends n requests at once and returns their bodies and statuses.
func race(n int, do func() *authztest.Response) (bodies []string, statuses []int) {
	bodies, statuses = make([]string, n), make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res := do()
			bodies[i], statuses[i] = string(res.Body), res.Status
		})
	}
	wg.Wait()
	return bodies, statuses
}

// countingNotifier counts the invitations it is told of.
type countingNotifier struct {
	mu     sync.Mutex
	tokens []string
}

func (n *countingNotifier) Invited(_ context.Context, _ tenantry.Tenant, _ tenantry.Invitation, token string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.tokens = append(n.tokens, token)
	return nil
}

func (n *countingNotifier) count() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.tokens)
}

func TestIdempotentInvitationCreate(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		notifier := &countingNotifier{}
		h := authztest.NewHarness(t, open(t), func(c *server.Config) { c.Notifier = notifier })
		w := authztest.NewWorld(t, h)
		alice := authztest.Bearer(h.Token(w.Alice))
		adam := authztest.Bearer(h.Token(w.Adam))
		invitations := "/api/orgs/" + w.OrgA.ID.String() + "/invitations"
		audits := "/api/orgs/" + w.OrgA.ID.String() + "/audit?action=invitation.create&limit=100"
		key := authztest.Header("Idempotency-Key", "invite-colleague")
		body := map[string]any{"email": "colleague@example.com", "role": "member"}
		before, auditBefore := countAt(t, h, invitations, alice), countAt(t, h, audits, alice)

		first := h.Do("POST", invitations, body, alice, key)
		if first.Status != 201 {
			t.Fatalf("first POST: status %d: %s", first.Status, first.Body)
		}
		var created map[string]any
		first.JSON(t, &created)
		if secret, _ := created["token"].(string); secret == "" {
			t.Fatalf("the first answer has no token: %s", first.Body)
		}

		// The replay: the same status and invitation, with a null token:
		// the token was never stored.
		again := h.Do("POST", invitations, body, alice, key)
		if again.Status != 201 || again.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("replay: status %d, Cache-Control %q: %s", again.Status, again.Header.Get("Cache-Control"), again.Body)
		}
		var replayed map[string]any
		again.JSON(t, &replayed)
		if tok, has := replayed["token"]; !has || tok != nil {
			t.Fatalf("the replay's token is not null: %s", again.Body)
		}
		created["token"] = nil
		if got, want := mustJSON(t, replayed), mustJSON(t, created); got != want {
			t.Fatalf("replay %s, want the first answer with a null token %s", got, want)
		}
		if n := countAt(t, h, invitations, alice); n != before+1 {
			t.Fatalf("after an invitation and its replay: %d pending, want %d", n, before+1)
		}
		if n := countAt(t, h, audits, alice); n != auditBefore+1 {
			t.Fatalf("after an invitation and its replay: %d invitation.create entries, want %d", n, auditBefore+1)
		}
		if n := notifier.count(); n != 1 {
			t.Fatalf("the notifier was told %d times, want once", n)
		}

		// Another body: refused, naming the header, not echoing the body.
		other := h.Do("POST", invitations, map[string]any{"email": "other-secret@example.com", "role": "member"}, alice, key)
		if other.Status != 422 || !strings.Contains(other.Problem(t).Detail, "Idempotency-Key") || strings.Contains(string(other.Body), "other-secret") {
			t.Fatalf("other body: status %d: %s; want 422 naming the header", other.Status, other.Body)
		}
		if n := countAt(t, h, invitations, alice); n != before+1 {
			t.Fatalf("after the refused body: %d pending, want %d", n, before+1)
		}

		// Another admin's identical key and body is theirs.
		res := h.Do("POST", invitations, body, adam, key)
		var theirs map[string]any
		res.JSON(t, &theirs)
		if res.Status != 201 || theirs["id"] == replayed["id"] || theirs["token"] == nil {
			t.Fatalf("another admin's same key: status %d body %s; want an invitation of their own", res.Status, res.Body)
		}
		if n := countAt(t, h, invitations, alice); n != before+2 {
			t.Fatalf("after the other admin's: %d pending, want %d", n, before+2)
		}

		// The first answer's token is the invitation's.
		register(t, h, "colleague@example.com", "password-1")
		col := authztest.Bearer(token(t, h, "colleague@example.com", "password-1"))
		if res := h.Do("POST", "/auth/invitations/accept", map[string]any{"token": tokenOf(first)}, col); res.Status != 200 {
			t.Fatalf("accept the first token: status %d: %s", res.Status, res.Body)
		}
	})
}

// tokenOf is the token of an invitation's create answer.
func tokenOf(res *authztest.Response) string {
	var m struct{ Token string }
	_ = json.Unmarshal(res.Body, &m)
	return m.Token
}

// mustJSON is v as JSON (keys sorted).
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestIdempotentInvitationCreate_ConcurrentReplays(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		alice := authztest.Bearer(h.Token(w.Alice))
		invitations := "/api/orgs/" + w.OrgA.ID.String() + "/invitations"
		before := countAt(t, h, invitations, alice)
		bodies, statuses := race(8, func() *authztest.Response {
			return h.Do("POST", invitations, map[string]any{"email": "raced@example.com", "role": "member"}, alice,
				authztest.Header("Idempotency-Key", "race"))
		})
		withToken, id := 0, ""
		for i := range bodies {
			var m struct{ ID, Token string }
			if statuses[i] != 201 || json.Unmarshal([]byte(bodies[i]), &m) != nil {
				t.Fatalf("request %d: status %d body %s; want 201", i, statuses[i], bodies[i])
			}
			if id == "" {
				id = m.ID
			}
			if m.ID != id {
				t.Fatalf("request %d answered invitation %s, another %s: want one", i, m.ID, id)
			}
			if m.Token != "" {
				withToken++
			}
		}
		if withToken != 1 {
			t.Fatalf("%d answers carry a token, want exactly the first", withToken)
		}
		if n := countAt(t, h, invitations, alice); n != before+1 {
			t.Fatalf("%d pending after concurrent replays, want %d", n, before+1)
		}
	})
}

// TestIdempotencyKeyIsolation: one caller's key in one tenant never
// answers with what it created in another, whoever sends it.
func TestIdempotencyKeyIsolation(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		alice := authztest.Bearer(h.Token(w.Alice))
		oscar := authztest.Bearer(h.Token(w.Oscar))
		key := authztest.Header("Idempotency-Key", "shared-key")
		body := map[string]any{"email": "x@example.com", "role": "member"}
		inA := "/api/orgs/" + w.OrgA.ID.String() + "/invitations"
		before := countAt(t, h, inA, alice)
		victim := h.Do("POST", inA, body, alice, key)
		if victim.Status != 201 {
			t.Fatalf("victim's invitation: %d %s", victim.Status, victim.Body)
		}
		var v struct{ ID string }
		victim.JSON(t, &v)

		// Oscar, in his own organization, with the same key and body.
		inB := "/api/orgs/" + w.OrgB.ID.String() + "/invitations"
		res := h.Do("POST", inB, body, oscar, key)
		if res.Status != 201 || strings.Contains(string(res.Body), v.ID) || tokenOf(res) == "" {
			t.Fatalf("oscar's invitation: %d %s; want one of his own", res.Status, res.Body)
		}
		// Oscar sending the key to organization A is a stranger there.
		if res := h.Do("POST", inA, body, oscar, key); res.Status != 404 || strings.Contains(string(res.Body), v.ID) {
			t.Fatalf("oscar in A: %d %s; want 404", res.Status, res.Body)
		}
		// Alice in a second organization of hers, and creating one.
		org := h.Do("POST", "/api/orgs", map[string]any{"name": "Second"}, alice, key)
		if org.Status != 201 || strings.Contains(string(org.Body), v.ID) {
			t.Fatalf("alice's org with the key: %d %s", org.Status, org.Body)
		}
		var second struct{ ID string }
		org.JSON(t, &second)
		res = h.Do("POST", "/api/orgs/"+second.ID+"/invitations", body, alice, key)
		if res.Status != 201 || strings.Contains(string(res.Body), v.ID) || tokenOf(res) == "" {
			t.Fatalf("alice's invitation in her second org: %d %s; want a new one", res.Status, res.Body)
		}
		// The victim's answer is as it was, and A holds one invitation.
		if res := h.Do("POST", inA, body, alice, key); res.Status != 201 || !strings.Contains(string(res.Body), v.ID) {
			t.Fatalf("victim's replay: %d %s; want the first invitation", res.Status, res.Body)
		}
		if n := countAt(t, h, inA, alice); n != before+1 {
			t.Fatalf("%d invitations in A, want %d", n, before+1)
		}
	})
}
