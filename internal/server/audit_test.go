package server_test

import (
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
)

// auditOut is an audit entry as the API answers it.
type auditOut struct {
	ID          string         `json:"id"`
	At          time.Time      `json:"at"`
	ActorUserID string         `json:"actor_user_id"`
	ActorEmail  string         `json:"actor_email"`
	Action      string         `json:"action"`
	TargetType  string         `json:"target_type"`
	TargetID    string         `json:"target_id"`
	IP          string         `json:"ip"`
	RequestID   string         `json:"request_id"`
	Details     map[string]any `json:"details"`
}

func TestAuditLog(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		alice := authztest.Bearer(h.Token(w.Alice))
		org := "/api/orgs/" + w.OrgA.ID.String()
		do := func(method, path string, body any, status int, opts ...authztest.Opt) *authztest.Response {
			t.Helper()
			res := h.Do(method, path, body, append([]authztest.Opt{alice}, opts...)...)
			if res.Status != status {
				t.Fatalf("%s %s: %d, want %d: %s", method, path, res.Status, status, res.Body)
			}
			return res
		}
		list := func(path string, who authztest.Opt) ([]auditOut, *authztest.Response) {
			t.Helper()
			res := h.Do("GET", path, nil, who)
			if res.Status != 200 {
				t.Fatalf("GET %s: %d: %s", path, res.Status, res.Body)
			}
			var es []auditOut
			res.JSON(t, &es)
			return es, res
		}
		before, _ := list(org+"/audit", alice)

		var task struct{ ID string }
		do("POST", org+"/tasks", map[string]any{"title": "audited", "description": "body text stays out"}, 201,
			authztest.Header("X-Request-Id", "req-create")).JSON(t, &task)
		do("PATCH", org+"/tasks/"+task.ID, map[string]any{"completed": true, "description": "more body text"}, 200)
		do("DELETE", org+"/tasks?completed=true", nil, 200)
		var second struct{ ID string }
		do("POST", org+"/tasks", map[string]any{"title": "second"}, 201).JSON(t, &second)
		do("DELETE", org+"/tasks/"+second.ID, nil, 204)
		do("POST", org+"/members", map[string]any{"user_id": w.Eve.ID, "role": "member"}, 201)
		do("PATCH", org+"/members/"+w.Eve.ID.String(), map[string]any{"role": "admin"}, 200)
		do("DELETE", org+"/members/"+w.Eve.ID.String(), nil, 204)
		var inv struct{ ID, Token string }
		do("POST", org+"/invitations", map[string]any{"email": "new@example.com", "role": "member"}, 201).JSON(t, &inv)
		do("DELETE", org+"/invitations/"+inv.ID, nil, 204)

		es, _ := list(org+"/audit", alice)
		var actions []string
		for _, e := range es[:len(es)-len(before)] {
			actions = append(actions, e.Action)
			if e.ActorUserID != w.Alice.ID.String() || e.ActorEmail != w.Alice.Email || e.IP == "" || e.RequestID == "" || e.At.IsZero() {
				t.Errorf("entry %+v: want Alice (her id and email), an address, a request id and a time", e)
			}
		}
		want := []string{"invitation.revoke", "invitation.create", "member.remove", "member.role", "member.add",
			"task.delete", "task.create", "task.bulk_delete", "task.update", "task.create"}
		if !slices.Equal(actions, want) {
			t.Fatalf("actions newest first = %v, want %v", actions, want)
		}
		byAction := map[string]auditOut{} // the oldest of each action
		for _, e := range es[:len(es)-len(before)] {
			byAction[e.Action] = e
		}
		if d := byAction["task.delete"]; d.TargetID != second.ID {
			t.Errorf("task.delete = %+v, want %s", d, second.ID)
		}
		if c := byAction["task.create"]; c.TargetID != task.ID || c.TargetType != "task" || c.RequestID != "req-create" || c.Details["title"] != "audited" {
			t.Errorf("task.create = %+v", c)
		}
		if u := byAction["task.update"]; !slices.Equal(anyStrings(u.Details["fields"]), []string{"description", "completed"}) {
			t.Errorf("task.update fields = %v, want description and completed", u.Details["fields"])
		}
		if b := byAction["task.bulk_delete"]; b.Details["count"] != float64(1) {
			t.Errorf("task.bulk_delete count = %v, want 1", b.Details["count"])
		}
		if r := byAction["member.role"]; r.TargetID != w.Eve.ID.String() || r.Details["role"] != "admin" {
			t.Errorf("member.role = %+v", r)
		}
		if i := byAction["invitation.create"]; i.TargetID != inv.ID || i.Details["email"] != "new@example.com" {
			t.Errorf("invitation.create = %+v", i)
		}
		_, raw := list(org+"/audit", alice)
		for _, secret := range []string{"body text", inv.Token} {
			if strings.Contains(string(raw.Body), secret) {
				t.Errorf("the audit log holds %q: %s", secret, raw.Body)
			}
		}

		// Filters and pages.
		if got, _ := list(org+"/audit?action=member.role", alice); len(got) != 1 || got[0].Action != "member.role" {
			t.Errorf("action filter = %+v", got)
		}
		future := url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339))
		if got, _ := list(org+"/audit?since="+future, alice); len(got) != 0 {
			t.Errorf("since the future = %+v", got)
		}
		if got, _ := list(org+"/audit?until="+future, alice); len(got) != len(es) {
			t.Errorf("until the future = %d entries, want %d", len(got), len(es))
		}
		first, res := list(org+"/audit?limit=2", alice)
		link := res.Header.Get("Link")
		if len(first) != 2 || !strings.Contains(link, "after="+first[1].ID) {
			t.Fatalf("first page %+v, Link %q", first, link)
		}
		next, _ := list(strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`), alice)
		if len(next) != 2 || next[0].ID != es[2].ID {
			t.Errorf("second page = %+v, want from %s", next, es[2].ID)
		}
		for _, bad := range []string{"?action=DROP%20TABLE", "?since=yesterday", "?limit=0", "?action="} {
			if res := h.Do("GET", org+"/audit"+bad, nil, alice); res.Status != 422 {
				t.Errorf("GET audit%s: %d, want 422: %s", bad, res.Status, res.Body)
			}
		}

		// An admin reads it; a member is refused, an outsider told nothing.
		if got, _ := list(org+"/audit", authztest.Bearer(h.Token(w.Adam))); len(got) != len(es) {
			t.Errorf("admin sees %d entries, want %d", len(got), len(es))
		}
		if res := h.Do("GET", org+"/audit", nil, authztest.Bearer(h.Token(w.Mia))); res.Status != 403 {
			t.Errorf("member: %d, want 403", res.Status)
		}
		if res := h.Do("GET", org+"/audit", nil, authztest.Bearer(h.Token(w.Oscar))); res.Status != 404 {
			t.Errorf("outsider: %d, want 404", res.Status)
		}

		// The personal log is the caller's own tenant's, and only that.
		do("POST", "/api/me/tasks", map[string]any{"title": "mine"}, 201)
		mine, _ := list("/api/me/audit", alice)
		if len(mine) == 0 || mine[0].Action != "task.create" || mine[0].Details["title"] != "mine" {
			t.Errorf("personal audit = %+v", mine)
		}
		for _, e := range mine {
			if e.TargetID == task.ID {
				t.Errorf("personal audit holds the organization's entry %+v", e)
			}
		}
		eves, _ := list("/api/me/audit", authztest.Bearer(h.Token(w.Eve)))
		for _, e := range eves {
			if e.ActorUserID == w.Alice.ID.String() {
				t.Errorf("Eve's personal audit holds Alice's entry %+v", e)
			}
		}
		if res := h.Do("GET", "/api/"+w.Alice.ID.String()+"/audit", nil, authztest.Bearer(h.Token(w.Eve))); res.Status != 403 {
			t.Errorf("Eve reading Alice's personal audit: %d, want 403", res.Status)
		}
	})
}

// anyStrings converts a decoded JSON array of strings.
func anyStrings(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, s := range a {
		str, _ := s.(string)
		out = append(out, str)
	}
	return out
}
