package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/server"
)

// TestCSRFRefused: a form post without the session's token, or from
// another origin, is refused with 403 and writes nothing, as is a sign-in
// or sign-up without the pre-session token (login CSRF).
func TestCSRFRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.alice.get("/tasks")
	good := f.alice.token
	form := func(token string) url.Values {
		v := url.Values{"title": {"planted"}}
		if token != "-" {
			v.Set("csrf_token", token)
		}
		return v
	}
	cases := []struct {
		name   string
		form   url.Values
		header http.Header
	}{
		{"no token, no browser headers (curl)", form("-"), http.Header{}},
		{"an empty token", form(""), http.Header{}},
		{"another session's token", form(f.bob.token), http.Header{}},
		{"a made-up token", form(strings.Repeat("A", 43)), http.Header{}},
		{"the right token from another origin", form(good), http.Header{"Origin": {"http://evil.example"}}},
		{"the right token, cross-site fetch", form(good), http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"the right token, same-site fetch", form(good), http.Header{"Sec-Fetch-Site": {"same-site"}}},
	}
	for _, c := range cases {
		for _, path := range []string{"/tasks", "/orgs/" + f.org.String() + "/tasks"} {
			p := f.alice.postRaw(path, c.form, c.header)
			mustStatus(t, c.name+" "+path, p, http.StatusForbidden)
			checkHeaders(t, c.name, p)
		}
	}
	for _, path := range []string{"/signout", "/account/signout-everywhere", "/tasks/" + f.aliceTask.String() + "/delete", "/tasks/delete-completed", "/account/delete"} {
		mustStatus(t, "no token "+path, f.alice.postRaw(path, url.Values{"password": {"alice-password"}}, http.Header{}), http.StatusForbidden)
	}
	if ts := f.app.tasks(t, f.aliceID, f.aliceID); len(ts) != 1 {
		t.Errorf("alice's tasks after the refused posts: %+v", ts)
	}
	if ts := f.app.tasks(t, f.aliceID, f.org); len(ts) != 1 {
		t.Errorf("acme's tasks after the refused posts: %+v", ts)
	}
	mustStatus(t, "alice still signed in", f.alice.get("/tasks"), 200)
	// The right token from this origin works, with or without the headers
	// of a browser.
	mustStatus(t, "the right token", f.alice.postRaw("/tasks", form(good), http.Header{}), http.StatusSeeOther)

	// Login CSRF: no pre-session cookie, or a form token that is not it.
	anon := f.app.client(t)
	creds := url.Values{"email": {"alice@example.com"}, "password": {"alice-password"}, "csrf_token": {strings.Repeat("A", 43)}}
	mustStatus(t, "sign-in without the cookie", anon.postRaw("/signin", creds, http.Header{}), http.StatusForbidden)
	anon.get("/signin")
	mustStatus(t, "sign-in with another token", anon.postRaw("/signin", creds, http.Header{}), http.StatusForbidden)
	creds.Set("csrf_token", anon.token)
	mustStatus(t, "sign-in from another origin", anon.postRaw("/signin", creds, http.Header{"Origin": {"http://evil.example"}}), http.StatusForbidden)
	mustStatus(t, "sign-up without the cookie", f.app.client(t).postRaw("/signup", url.Values{"email": {"mallory@example.com"}, "password": {"mallory-password"}}, http.Header{}), http.StatusForbidden)
	if p := anon.get("/tasks"); p.status != http.StatusSeeOther {
		t.Errorf("a refused sign-in signed the browser in: %d", p.status)
	}
	mustStatus(t, "sign-in with the token", anon.post("/signin", creds), http.StatusSeeOther)
	mustStatus(t, "signed in", anon.get("/tasks"), 200)
}

// TestFormErrorsKeepValues: a form with a mistake comes back with what was
// typed (never the password) and the error next to its field.
func TestFormErrorsKeepValues(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	anon := f.app.client(t)
	anon.get("/signup")
	p := anon.post("/signup", url.Values{"email": {"not an email"}, "password": {"short"}})
	mustStatus(t, "bad sign-up", p, http.StatusUnprocessableEntity)
	for _, want := range []string{`value="not an email"`, `id="email-error"`, `aria-invalid="true" aria-describedby="email-error"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the sign-up page does not hold %q:\n%s", want, p.body)
		}
	}
	p = anon.post("/signup", url.Values{"email": {"dora@example.com"}, "password": {"short"}})
	if mustStatus(t, "short password", p, 422); !strings.Contains(p.body, "at least 8 characters") || !strings.Contains(p.body, `id="password-error"`) {
		t.Errorf("short password page:\n%s", p.body)
	}
	p = anon.post("/signup", url.Values{"email": {"alice@example.com"}, "password": {"another-password"}})
	if mustStatus(t, "email taken", p, 422); !strings.Contains(p.body, "already has an account") {
		t.Errorf("email taken page:\n%s", p.body)
	}
	anon.get("/signin")
	p = anon.post("/signin", url.Values{"email": {"alice@example.com"}, "password": {"wrong-password"}})
	mustStatus(t, "wrong password", p, 422)
	if !strings.Contains(p.body, "Incorrect email or password") || !strings.Contains(p.body, `value="alice@example.com"`) || strings.Contains(p.body, "wrong-password") {
		t.Errorf("wrong password page:\n%s", p.body)
	}

	f.alice.get("/tasks")
	p = f.alice.post("/tasks", url.Values{"title": {"   "}, "description": {"kept <b>text</b>"}})
	mustStatus(t, "blank title", p, 422)
	if !strings.Contains(p.body, `id="title-error"`) || !strings.Contains(p.body, "kept &lt;b&gt;text&lt;/b&gt;</textarea>") {
		t.Errorf("blank title page:\n%s", p.body)
	}
	p = f.alice.post("/tasks", url.Values{"title": {strings.Repeat("x", 201)}})
	mustStatus(t, "long title", p, 422)
	p = f.alice.post("/orgs", url.Values{"name": {""}})
	if mustStatus(t, "blank org name", p, 422); !strings.Contains(p.body, `id="org-name-error"`) {
		t.Errorf("blank org name page:\n%s", p.body)
	}
	p = f.alice.post("/orgs/"+f.org.String()+"/tasks", url.Values{"title": {"x"}, "assignee": {f.bobID.String()}})
	if mustStatus(t, "assignee not a member", p, 422); !strings.Contains(p.body, `id="assignee-error"`) || !strings.Contains(p.body, `rows="2"`) {
		t.Errorf("assignee page:\n%s", p.body)
	}
	// The same refusal when saving a task, on its own page.
	orgTask := "/orgs/" + f.org.String() + "/tasks/" + f.orgTask.String()
	f.alice.get(orgTask)
	p = f.alice.post(orgTask, url.Values{"title": {"x"}, "assignee": {f.bobID.String()}})
	if mustStatus(t, "saved assignee not a member", p, 422); !strings.Contains(p.body, `id="assignee-error"`) ||
		!strings.Contains(p.body, `rows="5"`) || !strings.Contains(p.body, `action="`+orgTask+`"`) {
		t.Errorf("saved assignee page:\n%s", p.body)
	}
	f.alice.get("/orgs/" + f.org.String() + "/members")
	p = f.alice.post("/orgs/"+f.org.String()+"/members", url.Values{"email": {"nobody@example.com"}, "role": {"member"}})
	if mustStatus(t, "unknown member", p, 422); !strings.Contains(p.body, "No account has this email") || !strings.Contains(p.body, `value="nobody@example.com"`) {
		t.Errorf("unknown member page:\n%s", p.body)
	}
	if ts := f.app.tasks(t, f.aliceID, f.aliceID); len(ts) != 1 {
		t.Errorf("tasks after refused forms: %d", len(ts))
	}
}

// TestTooManyPage: the sign-in limit's 429 is a page that says when to
// retry, with Retry-After.
func TestTooManyPage(t *testing.T) {
	t.Parallel()
	lim := server.Limits{IPPerMinute: 1, IPBurst: 2, AccountPerMinute: 60, AccountBurst: 60, FailureCost: 1, HashConcurrency: 2, HashWait: time.Second}
	a := newApp(t, &lim)
	c := a.client(t)
	c.get("/signin")
	var p page
	for range 3 {
		p = c.post("/signin", url.Values{"email": {"who@example.com"}, "password": {"guess-guess"}})
	}
	mustStatus(t, "third sign-in", p, http.StatusTooManyRequests)
	checkHeaders(t, "429", p)
	secs, err := strconv.Atoi(p.header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After %q", p.header.Get("Retry-After"))
	}
	if want := "Wait " + strconv.Itoa(secs) + " seconds"; !strings.Contains(p.body, want) {
		t.Errorf("the 429 page does not say %q:\n%s", want, p.body)
	}
}

// TestBadFormsAreClientErrors: a form too large, not a form, or not
// UTF-8 gets a 4xx page, never a 500, and writes nothing.
func TestBadFormsAreClientErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.alice.get("/tasks")
	tok := f.alice.token
	cases := []struct {
		name, body string
		want       int
	}{
		{"too large", "csrf_token=" + tok + "&title=x&description=" + strings.Repeat("a", 70<<10), http.StatusRequestEntityTooLarge},
		{"not a form", "%zz", http.StatusBadRequest},
		{"a title not UTF-8", "csrf_token=" + tok + "&title=%ff%fe", http.StatusUnprocessableEntity},
		{"a control character", "csrf_token=" + tok + "&title=a%07b", http.StatusUnprocessableEntity},
		{"a description not UTF-8", "csrf_token=" + tok + "&title=ok&description=%c3", http.StatusUnprocessableEntity},
		{"a title repeated, the first blank", "csrf_token=" + tok + "&title=&title=second", http.StatusUnprocessableEntity},
	}
	for _, c := range cases {
		req, _ := http.NewRequest("POST", f.app.URL+"/tasks", strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		p := f.alice.do(req)
		mustStatus(t, c.name, p, c.want)
		checkHeaders(t, c.name, p)
	}
	if ts := f.app.tasks(t, f.aliceID, f.aliceID); len(ts) != 1 {
		t.Errorf("%d tasks after the bad forms, want 1", len(ts))
	}
}

// TestSecureCookies: over TLS every cookie of the interface is Secure,
// HttpOnly, SameSite=Lax and named with the __Host- prefix, the session's
// included.
func TestSecureCookies(t *testing.T) {
	t.Parallel()
	a := newAppWith(t, server.Config{SecureCookies: true})
	c := a.client(t)
	p := c.get("/signin")
	cookies := p.header.Values("Set-Cookie")
	// The jar keeps no Secure cookie over plain HTTP: send the form
	// token's cookie by hand.
	var form string
	for _, sc := range cookies {
		if v, ok := strings.CutPrefix(sc, "__Host-tenantry_form="); ok {
			form = v[:strings.IndexByte(v, ';')]
		}
	}
	if form == "" {
		t.Fatalf("no __Host- form cookie: %q", cookies)
	}
	h := http.Header{"Cookie": {"__Host-tenantry_form=" + form}}
	p = c.postRaw("/signup", url.Values{"email": {"sec@example.com"}, "password": {"secure-password"}, "csrf_token": {form}}, h)
	mustStatus(t, "sign up", p, http.StatusSeeOther)
	cookies = append(cookies, p.header.Values("Set-Cookie")...)
	var session bool
	for _, sc := range cookies {
		if !strings.HasPrefix(sc, "__Host-") || !strings.Contains(sc, "; Secure") || !strings.Contains(sc, "; HttpOnly") ||
			!strings.Contains(sc, "; SameSite=Lax") || !strings.Contains(sc, "; Path=/") || strings.Contains(sc, "Domain=") {
			t.Errorf("cookie %q", sc)
		}
		session = session || strings.HasPrefix(sc, "__Host-tenantry_session=")
	}
	if !session {
		t.Errorf("no session cookie in %q", cookies)
	}
}

// TestUserRateLimitPage: past the per-user rate, a page answers 429 and
// says when to retry.
func TestUserRateLimitPage(t *testing.T) {
	t.Parallel()
	a := newApp(t, &server.Limits{UserPerSecond: 1.0 / 60, UserBurst: 3, TenantInFlight: 4, HashConcurrency: 2, HashWait: time.Second})
	c := a.client(t)
	c.signUp("busy@example.com", "busy-password") // /tasks: the first request
	c.get("/tasks")
	c.get("/account")
	p := c.get("/tasks")
	mustStatus(t, "the fourth page", p, http.StatusTooManyRequests)
	if ra := p.header.Get("Retry-After"); ra == "" || !strings.Contains(p.body, "Wait "+ra+" seconds") {
		t.Errorf("Retry-After %q, page:\n%s", ra, p.body)
	}
	checkHeaders(t, "429", p)
}
