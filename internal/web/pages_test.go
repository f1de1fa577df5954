package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/server"
)

// fixture is two users: alice owns an organization with a task and has a
// personal task; bob has a personal task and belongs to nothing.
type fixture struct {
	app                *app
	alice, bob         *client
	aliceID, bobID     uuid.UUID
	org                uuid.UUID
	aliceTask, orgTask uuid.UUID
	bobTask            uuid.UUID
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, nil)
}

// newFixtureOn is newFixture over store (SQLite when nil).
func newFixtureOn(t *testing.T, store tenantry.Store) *fixture {
	t.Helper()
	f := &fixture{app: newAppWith(t, server.Config{Store: store})}
	f.alice, f.bob = f.app.client(t), f.app.client(t)
	f.alice.signUp("alice@example.com", "alice-password")
	f.bob.signUp("bob@example.com", "bob-password")
	f.aliceID, f.bobID = f.alice.user().ID, f.bob.user().ID
	ctx := context.Background()
	m, err := f.app.store.CreateOrg(ctx, f.aliceID, "Acme")
	if err != nil {
		t.Fatal(err)
	}
	f.org = m.Org.ID
	create := func(user, tenant uuid.UUID, title string) uuid.UUID {
		var id uuid.UUID
		err := f.app.store.Update(ctx, user, tenant, func(tx tenantry.TenantAccess) error {
			task, err := tx.CreateTask(ctx, tenantry.NewTask{Title: title})
			id = task.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.aliceTask = create(f.aliceID, f.aliceID, "Alice's own")
	f.orgTask = create(f.aliceID, f.org, "Acme's")
	f.bobTask = create(f.bobID, f.bobID, "Bob's own")
	return f
}

// checkHeaders fails unless p carries the headers every page must.
func checkHeaders(t *testing.T, what string, p page) {
	t.Helper()
	for k, want := range map[string]string{
		"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'; form-action 'self'",
		"X-Content-Type-Options":  "nosniff",
		"Referrer-Policy":         "same-origin",
		"Cache-Control":           "no-store",
	} {
		if got := p.header.Get(k); !strings.HasPrefix(got, want) {
			t.Errorf("%s: %s = %q, want %q", what, k, got, want)
		}
	}
	if csp := p.header.Get("Content-Security-Policy"); strings.Contains(csp, "unsafe") {
		t.Errorf("%s: CSP %q allows unsafe sources", what, csp)
	}
}

func TestPagesStatusAndHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	org := "/orgs/" + f.org.String()
	pages := []struct {
		path         string
		signedIn     int
		signedOut    int
		wantSignedIn string // a piece of the signed-in page
	}{
		{"/", 200, 200, "Alice&#39;s own"},
		{"/signin", 303, 200, ""},
		{"/signup", 303, 200, ""},
		{"/tasks", 200, 303, "Alice&#39;s own"},
		{"/tasks?status=open", 200, 303, "Alice&#39;s own"},
		{"/tasks?status=done", 200, 303, "No completed tasks yet"},
		{"/tasks/" + f.aliceTask.String(), 200, 303, `value="Alice&#39;s own"`},
		{org + "/tasks", 200, 303, "Acme&#39;s"},
		{org + "/tasks/" + f.orgTask.String(), 200, 303, `value="Acme&#39;s"`},
		{org + "/members", 200, 303, "alice@example.com"},
		{"/account", 200, 303, "Signed in as alice@example.com"},
	}
	anon := f.app.client(t)
	for _, pg := range pages {
		p := f.alice.get(pg.path)
		mustStatus(t, "signed in "+pg.path, p, pg.signedIn)
		checkHeaders(t, "signed in "+pg.path, p)
		if pg.wantSignedIn != "" && !strings.Contains(p.body, pg.wantSignedIn) {
			t.Errorf("signed in %s does not show %q", pg.path, pg.wantSignedIn)
		}
		p = anon.get(pg.path)
		mustStatus(t, "signed out "+pg.path, p, pg.signedOut)
		checkHeaders(t, "signed out "+pg.path, p)
		if p.status == 303 && p.header.Get("Location") != "/signin" {
			t.Errorf("signed out %s sends to %q, want /signin", pg.path, p.header.Get("Location"))
		}
		if strings.Contains(p.body, "alice") {
			t.Errorf("signed out %s shows alice's data", pg.path)
		}
	}
	// Without a session a form post writes nothing and asks to sign in.
	for _, path := range []string{"/tasks", org + "/tasks", "/tasks/" + f.aliceTask.String() + "/delete", "/account/delete", "/orgs"} {
		p := anon.post(path, url.Values{"title": {"anon"}, "name": {"anon"}, "password": {"x"}})
		if mustStatus(t, "signed out post "+path, p, 303); p.header.Get("Location") != "/signin" {
			t.Errorf("signed out post %s sends to %q", path, p.header.Get("Location"))
		}
	}
	if n := len(f.app.tasks(t, f.aliceID, f.aliceID)); n != 1 {
		t.Errorf("alice has %d tasks after the signed-out posts", n)
	}
	// Assets: hashed names, cached for good, with their type.
	home := anon.get("/signin").body
	for _, re := range []string{`/static/app\.[0-9a-f]{12}\.css`, `/static/app\.[0-9a-f]{12}\.js`} {
		path := regexp.MustCompile(re).FindString(home)
		if path == "" {
			t.Fatalf("the page links no asset matching %s", re)
		}
		p := anon.get(path)
		mustStatus(t, path, p, 200)
		if cc := p.header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
			t.Errorf("%s: Cache-Control %q", path, cc)
		}
		if p.header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(p.header.Get("Content-Type"), "text/") {
			t.Errorf("%s: headers %v", path, p.header)
		}
	}
	mustStatus(t, "an unknown asset", anon.get("/static/app.css"), 404)
}

// TestNotFoundIsTheSame: another tenant's task or organization, a missing
// one and a malformed id all show the same 404 page, byte for byte.
func TestNotFoundIsTheSame(t *testing.T) {
	t.Parallel()
	eachStore(t, testNotFoundIsTheSame)
}

func testNotFoundIsTheSame(t *testing.T, store tenantry.Store) {
	f := newFixtureOn(t, store)
	missing := uuid.Must(uuid.NewV7()).String()
	org := "/orgs/" + f.org.String()
	groups := [][]string{
		{"/tasks/" + f.aliceTask.String(), "/tasks/" + missing, "/tasks/not-a-uuid", "/tasks/" + strings.ToUpper(f.aliceTask.String())},
		{org + "/tasks", org + "/members", org + "/tasks/" + f.orgTask.String(), "/orgs/" + missing + "/tasks",
			"/orgs/" + f.aliceID.String() + "/tasks", "/orgs/" + f.bobID.String() + "/tasks", "/orgs/nope/members",
			"/orgs/" + missing + "/tasks/" + missing},
	}
	var first string
	for _, g := range groups {
		for _, path := range g {
			p := f.bob.get(path)
			mustStatus(t, "bob "+path, p, http.StatusNotFound)
			checkHeaders(t, "bob "+path, p)
			if first == "" {
				first = p.body
				if !strings.Contains(first, "Page not found") {
					t.Fatalf("the 404 page reads:\n%s", first)
				}
			}
			if p.body != first {
				t.Errorf("bob %s: the 404 page differs from the first one", path)
			}
		}
	}
	// Writes are answered the same, and write nothing.
	for _, path := range []string{"/tasks/" + f.aliceTask.String(), "/tasks/" + f.aliceTask.String() + "/toggle",
		"/tasks/" + f.aliceTask.String() + "/delete", org + "/tasks", org + "/members", org + "/leave"} {
		p := f.bob.post(path, url.Values{"title": {"taken over"}, "completed": {"true"}, "email": {"bob@example.com"}, "role": {"owner"}})
		mustStatus(t, "bob posts "+path, p, http.StatusNotFound)
		if p.body != first {
			t.Errorf("bob posts %s: the 404 page differs", path)
		}
	}
	ts := f.app.tasks(t, f.aliceID, f.aliceID)
	if len(ts) != 1 || ts[0].Title != "Alice's own" || ts[0].Completed {
		t.Errorf("alice's tasks after bob's posts: %+v", ts)
	}
	if got := f.app.tasks(t, f.aliceID, f.org); len(got) != 1 {
		t.Errorf("acme's tasks after bob's posts: %+v", got)
	}
}

// TestPlainMemberForbidden: a member without the role gets 403 for what
// takes owner or admin, and nothing changes.
func TestPlainMemberForbidden(t *testing.T) {
	t.Parallel()
	eachStore(t, testPlainMemberForbidden)
}

func testPlainMemberForbidden(t *testing.T, store tenantry.Store) {
	f := newFixtureOn(t, store)
	org := "/orgs/" + f.org.String()
	f.alice.get(org + "/members")
	mustStatus(t, "alice adds bob", f.alice.post(org+"/members", url.Values{"email": {"bob@example.com"}, "role": {"member"}}), 303)
	carol := f.app.client(t)
	carol.signUp("carol@example.com", "carol-password")

	p := f.bob.get(org + "/members")
	mustStatus(t, "bob's members page", p, 200)
	if strings.Contains(p.body, `action="`+org+`/members"`) || strings.Contains(p.body, "/role\"") {
		t.Error("a plain member is shown the forms to manage members")
	}
	for _, c := range []struct{ path, role string }{
		{org + "/members", "member"},
		{org + "/members/" + f.aliceID.String() + "/role", "member"},
		{org + "/members/" + f.aliceID.String() + "/remove", ""},
		{org + "/members/" + uuid.Must(uuid.NewV7()).String() + "/remove", ""},
		{org + "/tasks/delete-completed", ""},
	} {
		p := f.bob.post(c.path, url.Values{"email": {"carol@example.com"}, "role": {c.role}})
		if c.role == "" {
			p = f.bob.post(c.path, nil)
		}
		mustStatus(t, "bob posts "+c.path, p, http.StatusForbidden)
		if !strings.Contains(p.body, "Only owners and admins") {
			t.Errorf("bob posts %s: the 403 page does not say why", c.path)
		}
	}
	var ms []tenantry.Member
	_ = f.app.store.View(context.Background(), f.aliceID, f.org, func(tx tenantry.TenantAccess) (err error) {
		ms, err = tx.Members(context.Background(), tenantry.Page{})
		return err
	})
	if len(ms) != 2 || ms[0].Role != tenantry.RoleOwner {
		t.Errorf("members after bob's posts: %+v", ms)
	}
	// What any member may do, bob may.
	mustStatus(t, "bob adds an org task", f.bob.post(org+"/tasks", url.Values{"title": {"from bob"}, "assignee": {f.aliceID.String()}}), 303)
	if ts := f.app.tasks(t, f.aliceID, f.org); len(ts) != 2 || ts[1].AssignedUserID == nil || *ts[1].AssignedUserID != f.aliceID {
		t.Errorf("acme's tasks: %+v", ts)
	}
	// And bob may leave.
	f.bob.get(org + "/members")
	p = f.bob.post(org+"/leave", nil)
	if mustStatus(t, "bob leaves", p, 303); p.header.Get("Location") != "/tasks" {
		t.Errorf("after leaving: %s", p.header.Get("Location"))
	}
	mustStatus(t, "bob after leaving", f.bob.get(org+"/tasks"), 404)
}

// TestTaskListPagesAndFilters: the list pages by 20 with a Next link,
// filters open and done, and deletes the completed tasks at once.
func TestTaskListPagesAndFilters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.alice.get("/tasks")
	for i := range 24 {
		mustStatus(t, "add", f.alice.post("/tasks", url.Values{"title": {fmt.Sprintf("task %02d", i)}}), 303)
	}
	count := func(p page) int { return strings.Count(p.body, `class="task-title"`) }
	p := f.alice.get("/tasks")
	next := regexp.MustCompile(`href="(/tasks\?after=[^"]+)" rel="next"`).FindStringSubmatch(p.body)
	if count(p) != 20 || next == nil {
		t.Fatalf("first page: %d tasks, next %v", count(p), next)
	}
	p = f.alice.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	if count(p) != 5 || strings.Contains(p.body, `rel="next"`) || !strings.Contains(p.body, "First page") {
		t.Errorf("second page: %d tasks", count(p))
	}
	for _, id := range regexp.MustCompile(`action="/tasks/([0-9a-f-]{36})/toggle"`).FindAllStringSubmatch(p.body, 3) {
		mustStatus(t, "complete", f.alice.post("/tasks/"+id[1]+"/toggle", url.Values{"completed": {"true"}, "status": {"done"}}), 303)
	}
	if p = f.alice.get("/tasks?status=done"); count(p) != 3 {
		t.Errorf("done: %d", count(p))
	}
	if p = f.alice.get("/tasks?status=open"); count(p) != 20 {
		t.Errorf("open, first page: %d", count(p))
	}
	p = f.alice.post("/tasks/delete-completed", url.Values{"status": {"done"}})
	if mustStatus(t, "delete completed", p, 303); p.header.Get("Location") != "/tasks?status=done" {
		t.Errorf("after deleting the completed: %s", p.header.Get("Location"))
	}
	if p = f.alice.get("/tasks?status=done"); count(p) != 0 || !strings.Contains(p.body, "Completed tasks deleted.") {
		t.Errorf("done after the bulk delete: %d", count(p))
	}
	if n := len(f.app.tasks(t, f.aliceID, f.aliceID)); n != 22 {
		t.Errorf("%d tasks left, want 22", n)
	}
	mustStatus(t, "a malformed cursor", f.alice.get("/tasks?after=nope"), 404)
}

// TestMembersPage: members page by 50, and an owner changes a role and
// removes a member from the page.
func TestMembersPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for i := range 51 {
		u, err := f.app.store.CreateUser(ctx, fmt.Sprintf("m%02d@example.com", i), "x")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.app.store.Update(ctx, f.aliceID, f.org, func(tx tenantry.TenantAccess) error {
			_, err := tx.AddMember(ctx, u.ID, tenantry.RoleMember)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	org := "/orgs/" + f.org.String()
	p := f.alice.get(org + "/members")
	rows := func(p page) int { return strings.Count(p.body, `class="m-email"`) }
	next := regexp.MustCompile(`href="(` + org + `/members\?after=[^"]+)" rel="next"`).FindStringSubmatch(p.body)
	if rows(p) != 50 || next == nil {
		t.Fatalf("first page: %d members, next %v", rows(p), next)
	}
	p = f.alice.get(next[1])
	if rows(p) != 2 || strings.Contains(p.body, `rel="next"`) {
		t.Errorf("second page: %d members", rows(p))
	}
	m, err := f.app.store.UserByEmail(ctx, "m00@example.com")
	if err != nil {
		t.Fatal(err)
	}
	mustStatus(t, "make m00 an admin", f.alice.post(org+"/members/"+m.ID.String()+"/role", url.Values{"role": {"admin"}}), 303)
	if p = f.alice.get(org + "/members"); !strings.Contains(p.body, "Role changed.") {
		t.Error("no notice after the role change")
	}
	mustStatus(t, "remove m00", f.alice.post(org+"/members/"+m.ID.String()+"/remove", nil), 303)
	mustStatus(t, "alice, the last owner, steps down", f.alice.post(org+"/members/"+f.aliceID.String()+"/role", url.Values{"role": {"member"}}), 303)
	if p = f.alice.get(org + "/members"); !strings.Contains(p.body, "must keep at least one owner") {
		t.Error("no notice when the last owner steps down")
	}
	var ms []tenantry.Member
	_ = f.app.store.View(ctx, f.aliceID, f.org, func(tx tenantry.TenantAccess) (err error) {
		ms, err = tx.Members(ctx, tenantry.Page{Limit: 100})
		return err
	})
	if len(ms) != 51 || ms[0].Role != tenantry.RoleOwner {
		t.Errorf("%d members, the first %s", len(ms), ms[0].Role)
	}
	mustStatus(t, "a malformed cursor", f.alice.get(org+"/members?after=x"), 404)
}
