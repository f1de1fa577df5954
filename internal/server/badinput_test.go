package server_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
)

// leaks are fragments that must never appear in an answer.
func leaks() []string {
	return []string{"sqlite", "SQL", "sql:", "pgx", "pq:", "constraint", "goroutine", ".go:", "panic", "SQLSTATE", "unexpected error"}
}

// tenantState reads every task of a tenant through the store.
func tenantState(t *testing.T, st tenantry.Store, user, tenant tenantry.User) []tenantry.Task {
	t.Helper()
	var ts []tenantry.Task
	err := st.View(context.Background(), user.ID, tenant.ID, func(tx tenantry.TenantAccess) (err error) {
		ts, err = tx.Tasks(context.Background(), tenantry.TaskFilter{Limit: tenantry.MaxPageSize})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestBadInput(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		tok := authztest.Bearer(h.Token(w.Alice))
		tasks, task, org, orgTask := alicePaths(w)
		json := authztest.Header("Content-Type", "application/json")
		long := func(n int, s string) string { return strings.Repeat(s, n) }

		type tc struct {
			name, method, path string
			body               any // string or authztest.Raw: sent as is
			status             int
			opts               []authztest.Opt
		}
		var cases []tc
		// Every body-taking task route gets the same bad bodies.
		for _, r := range []struct{ method, path string }{
			{"POST", tasks}, {"PUT", task}, {"PATCH", task},
			{"POST", org + "/tasks"}, {"PUT", orgTask}, {"PATCH", orgTask},
		} {
			add := func(name string, body any, status int) {
				cases = append(cases, tc{name: r.method + " " + r.path + ": " + name, method: r.method, path: r.path, body: body, status: status})
			}
			add("malformed JSON", `{"title":`, 400)
			add("trailing object", `{"title":"a"} {"title":"b"}`, 400)
			add("trailing garbage", `{"title":"a"}x`, 400)
			add("not an object", `["title"]`, 422)
			add("null", `null`, 422)
			add("empty body", ``, 400)
			add("title of the wrong type", `{"title":5}`, 422)
			add("completed of the wrong type", `{"title":"a","completed":"yes"}`, 422)
			add("unknown field", `{"title":"a","colour":"red"}`, 422)
			add("owner field user_id", `{"title":"a","user_id":"`+w.Eve.ID.String()+`"}`, 422)
			add("owner field org_id", `{"title":"a","org_id":"`+w.OrgB.ID.String()+`"}`, 422)
			add("owner field id", `{"title":"a","id":"`+w.EveTask.ID.String()+`"}`, 422)
			add("owner field tenant_id", `{"title":"a","tenant_id":"`+w.OrgB.ID.String()+`"}`, 422)
			add("a key in another case", `{"title":"a","TITLE":"b"}`, 422)
			add("a key folded to a field", `{"title":"a","deſcription":"b"}`, 422)
			add("a key folded to a field, escaped", `{"title":"a","de\u017fcription":"b"}`, 422)
			add("empty title", `{"title":""}`, 422)
			add("blank title", `{"title":"   "}`, 422)
			add("null title", `{"title":null}`, 422)
			add("null completed", `{"title":"a","completed":null}`, 422)
			add("duplicate key", `{"title":"a","title":"b"}`, 422)
			add("duplicate key spelled with an escape", `{"title":"a","t\u0069tle":"b"}`, 422)
			add("duplicate completed", `{"title":"a","completed":true,"completed":false}`, 422)
			add("201-character title", `{"title":"`+long(201, "é")+`"}`, 422)
			add("5001-character description", `{"title":"a","description":"`+long(5001, "ü")+`"}`, 422)
			add("NUL in title", `{"title":"a\u0000b"}`, 422)
			add("bell in title", `{"title":"a\u0007b"}`, 422)
			add("line break in title", `{"title":"a\nb"}`, 422)
			add("NUL in description", `{"title":"a","description":"x\u0000"}`, 422)
			add("invalid UTF-8", authztest.Raw("{\"title\":\"a\xffb\"}"), 400)
			add("lone surrogate escape", `{"title":"a\ud800b"}`, 400)
			add("overlong UTF-8", authztest.Raw("{\"title\":\"\xc0\xaf\"}"), 400)
			add("huge number", `{"title":"a","completed":1e999}`, 400)
			add("deep nesting", long(100000, "[")+long(100000, "]"), 400)
			add("over 1 MiB", `{"title":"a","description":"`+long(1<<20, "a")+`"}`, 413)
			if strings.Contains(r.path, "/orgs/") {
				add("assignee not a UUID", `{"title":"a","assigned_user_id":"bob"}`, 422)
				add("assignee not a member", `{"title":"a","assigned_user_id":"`+w.Eve.ID.String()+`"}`, 422)
				add("assignee a removed member", `{"title":"a","assigned_user_id":"`+w.Rex.ID.String()+`"}`, 422)
			}
		}
		cases = append(cases,
			tc{name: "text/plain body", method: "POST", path: tasks, body: `{"title":"a"}`, status: 415,
				opts: []authztest.Opt{authztest.Header("Content-Type", "text/plain")}},
			tc{name: "register over 8 KiB", method: "POST", path: "/auth/register", body: `{"email":"new@example.com","password":"` + long(9<<10, "p") + `"}`, status: 413},
			tc{name: "login over 8 KiB", method: "POST", path: "/auth/login", body: `{"email":"new@example.com","password":"` + long(9<<10, "p") + `"}`, status: 413},
			tc{name: "token over 8 KiB", method: "POST", path: "/auth/token", body: authztest.Raw("username=a&password=" + long(9<<10, "p")), status: 413,
				opts: []authztest.Opt{authztest.Header("Content-Type", "application/x-www-form-urlencoded")}},
		)
		// huma decodes all these as JSON: the body guard checks them all.
		for _, ct := range []string{"application/json;x", "application/json; charset=utf-8", "text/plain+json", "json", "application/problem+json;q=1"} {
			cases = append(cases,
				tc{name: ct + ": duplicate key", method: "POST", path: tasks, body: `{"title":"a","title":"b"}`, status: 422,
					opts: []authztest.Opt{authztest.Header("Content-Type", ct)}},
				tc{name: ct + ": null completed", method: "POST", path: tasks, body: `{"title":"a","completed":null}`, status: 422,
					opts: []authztest.Opt{authztest.Header("Content-Type", ct)}},
				tc{name: ct + ": login duplicate email", method: "POST", path: "/auth/login", body: `{"email":"x@example.com","email":"alice@example.com","password":"` + authztest.Password + `"}`, status: 422,
					opts: []authztest.Opt{authztest.Header("Content-Type", ct)}},
			)
		}
		cases = append(cases,
			tc{name: "login with a key in another case", method: "POST", path: "/auth/login", body: `{"email":"nobody@example.com","EMAIL":"alice@example.com","password":"` + authztest.Password + `"}`, status: 422},
			tc{name: "login with only an upper-case key", method: "POST", path: "/auth/login", body: `{"Email":"alice@example.com","password":"` + authztest.Password + `"}`, status: 422},
			tc{name: "register with a key in another case", method: "POST", path: "/auth/register", body: `{"email":"new@example.com","Password":"long enough","password":"long enough"}`, status: 422},
			tc{name: "token with a JSON body", method: "POST", path: "/auth/token", body: `{"username":"alice@example.com","password":"` + authztest.Password + `"}`, status: 415},
			tc{name: "token without a Content-Type", method: "POST", path: "/auth/token", body: authztest.Raw("username=alice%40example.com&password=x"), status: 415,
				opts: []authztest.Opt{authztest.Header("Content-Type", "")}},
			tc{name: "token with a JSON body sent as a form", method: "POST", path: "/auth/token", body: authztest.Raw(`{"username":"alice@example.com","password":"` + authztest.Password + `"}`), status: 422,
				opts: []authztest.Opt{authztest.Header("Content-Type", "application/x-www-form-urlencoded")}},
			tc{name: "task with another Content-Type", method: "POST", path: tasks, body: `{"title":"a"}`, status: 415,
				opts: []authztest.Opt{authztest.Header("Content-Type", "application/"+authztest.Password)}},
			tc{name: "register with a display name", method: "POST", path: "/auth/register", body: `{"email":"x <alice@example.com>","password":"long enough"}`, status: 422},
			tc{name: "register with a comment", method: "POST", path: "/auth/register", body: `{"email":"alice@example.com (c)","password":"long enough"}`, status: 422},
			tc{name: "register with angle brackets", method: "POST", path: "/auth/register", body: `{"email":"<new@example.com>","password":"long enough"}`, status: 422},
			tc{name: "register with a NUL", method: "POST", path: "/auth/register", body: `{"email":"new\u0000@example.com","password":"long enough"}`, status: 422},
			tc{name: "login with a NUL", method: "POST", path: "/auth/login", body: `{"email":"alice@example.com\u0000","password":"` + authztest.Password + `"}`, status: 422},
			tc{name: "login with a display name", method: "POST", path: "/auth/login", body: `{"email":"x <alice@example.com>","password":"` + authztest.Password + `"}`, status: 422},
			tc{name: "token with a NUL", method: "POST", path: "/auth/token", body: authztest.Raw("username=alice%40example.com%00&password=x"), status: 422,
				opts: []authztest.Opt{authztest.Header("Content-Type", "application/x-www-form-urlencoded")}},
			tc{name: "token with a comment", method: "POST", path: "/auth/token", body: authztest.Raw("username=alice%40example.com+(c)&password=x"), status: 422,
				opts: []authztest.Opt{authztest.Header("Content-Type", "application/x-www-form-urlencoded")}},
			tc{name: "member with a NUL", method: "POST", path: org + "/members", body: `{"email":"eve@example.com\u0000","role":"member"}`, status: 422},
			tc{name: "member with a display name", method: "POST", path: org + "/members", body: `{"email":"Eve <eve@example.com>","role":"member"}`, status: 422},
			tc{name: "register bad email", method: "POST", path: "/auth/register", body: `{"email":"not-an-email","password":"long enough"}`, status: 422},
			tc{name: "register short password", method: "POST", path: "/auth/register", body: `{"email":"new@example.com","password":"short"}`, status: 422},
			tc{name: "register unknown field", method: "POST", path: "/auth/register", body: `{"email":"new@example.com","password":"long enough","admin":true}`, status: 422},
			tc{name: "token without password", method: "POST", path: "/auth/token", body: authztest.Raw("username=alice%40example.com"), status: 422,
				opts: []authztest.Opt{authztest.Header("Content-Type", "application/x-www-form-urlencoded")}},
			tc{name: "token with a bad form", method: "POST", path: "/auth/token", body: authztest.Raw("username=%zz"), status: 422,
				opts: []authztest.Opt{authztest.Header("Content-Type", "application/x-www-form-urlencoded")}},
			tc{name: "token with another grant", method: "POST", path: "/auth/token", body: authztest.Raw("grant_type=client_credentials&username=a&password=b"), status: 422,
				opts: []authztest.Opt{authztest.Header("Content-Type", "application/x-www-form-urlencoded")}},
			tc{name: "member with an unknown role", method: "POST", path: org + "/members", body: `{"email":"eve@example.com","role":"king"}`, status: 422},
			tc{name: "member with both email and id", method: "POST", path: org + "/members", body: `{"email":"eve@example.com","user_id":"` + w.Eve.ID.String() + `","role":"member"}`, status: 422},
			tc{name: "member with neither", method: "POST", path: org + "/members", body: `{"role":"member"}`, status: 422},
			tc{name: "role patch unknown role", method: "PATCH", path: org + "/members/" + w.Mia.ID.String(), body: `{"role":"root"}`, status: 422},
			tc{name: "org with a blank name", method: "POST", path: "/api/orgs", body: `{"name":" "}`, status: 422},
			tc{name: "password change too short", method: "POST", path: "/auth/password", body: `{"current_password":"` + authztest.Password + `","new_password":"short"}`, status: 422},
		)
		for _, q := range []string{"limit=-1", "limit=0", "limit=101", "limit=99999999999999999999", "limit=abc", "limit=1.5",
			"completed=maybe", "completed=1", "after=not-a-uuid"} {
			cases = append(cases,
				tc{name: "personal list " + q, method: "GET", path: tasks + "?" + q, status: 422},
				tc{name: "org list " + q, method: "GET", path: org + "/tasks?" + q, status: 422})
		}
		for _, q := range []string{"completed=maybe", "completed="} {
			cases = append(cases, tc{name: "bulk delete " + q, method: "DELETE", path: tasks + "?" + q, status: 422})
		}

		before := w.Snapshot(t)
		for _, c := range cases {
			opts := append([]authztest.Opt{tok}, c.opts...)
			if _, raw := c.body.(authztest.Raw); !raw && len(c.opts) == 0 {
				opts = append(opts, json)
			}
			res := h.Do(c.method, c.path, c.body, opts...)
			if res.Status != c.status {
				t.Errorf("%s: status %d, want %d: %.300s", c.name, res.Status, c.status, res.Body)
				continue
			}
			res.Problem(t)
			for _, l := range leaks() {
				if strings.Contains(string(res.Body), l) {
					t.Errorf("%s: answer contains %q: %.300s", c.name, l, res.Body)
				}
			}
			if strings.Contains(string(res.Body), authztest.Password) {
				t.Errorf("%s: answer echoes the password", c.name)
			}
		}
		if diff := before.Diff(w.Snapshot(t)); len(diff) > 0 {
			t.Errorf("bad input changed %v", diff)
		}

		// An email is stored and matched in its bare, lower-case form.
		res := h.Do("POST", "/auth/register", `{"email":"  New.User@Example.com ","password":"long enough"}`, json)
		var reg struct{ Email string }
		res.JSON(t, &reg)
		if res.Status != 201 || reg.Email != "new.user@example.com" {
			t.Errorf("register padded email: %d %s", res.Status, res.Body)
		}
		if res := h.Do("POST", "/auth/login", `{"email":"NEW.USER@example.com","password":"long enough"}`, json); res.Status != 200 {
			t.Errorf("login in another case: %d %s", res.Status, res.Body)
		}

		// The limits are characters, not bytes: 200 two-byte characters fit.
		res = h.Do("POST", tasks, `{"title":"`+long(200, "é")+`","description":"line one\n\tline two"}`, tok, json)
		if res.Status != 201 {
			t.Errorf("200-character title: status %d: %.300s", res.Status, res.Body)
		}
		// A PATCH that sets description to null clears it; an absent one keeps it.
		res = h.Do("PATCH", task, `{"completed":true}`, tok, json)
		var got struct {
			Description *string `json:"description"`
		}
		res.JSON(t, &got)
		if got.Description == nil {
			t.Errorf("PATCH without description cleared it: %s", res.Body)
		}
		res = h.Do("PATCH", task, `{"description":null}`, tok, json)
		got.Description = new(string)
		res.JSON(t, &got)
		if res.Status != 200 || got.Description != nil {
			t.Errorf("PATCH description null: %d %s", res.Status, res.Body)
		}
		if !strings.Contains(string(res.Body), `"description":null`) {
			t.Errorf("a cleared description is not null in %s", res.Body)
		}
		ts := tenantState(t, h.Store, w.Alice, w.Alice)
		if len(ts) != 2 || !reflect.DeepEqual(ts[0].ID, w.AliceTask.ID) {
			t.Errorf("alice has %d tasks after the good calls, want 2", len(ts))
		}
	})
}

// alicePaths are the paths of Alice's tasks, one of them, organization A and
// one of its tasks.
func alicePaths(w *authztest.World) (tasks, task, org, orgTask string) {
	tasks = "/api/" + w.Alice.ID.String() + "/tasks"
	org = "/api/orgs/" + w.OrgA.ID.String()
	return tasks, tasks + "/" + w.AliceTask.ID.String(), org, org + "/tasks/" + w.OrgATask.ID.String()
}
