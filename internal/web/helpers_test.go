package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
	"github.com/tenantry/tenantry/internal/server"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// app is a Tenantry server with its store, on a loopback port.
type app struct {
	*httptest.Server
	store tenantry.Store
}

// newApp serves the whole binary's handler (API and web interface) over a
// fresh SQLite store. lim nil turns the limits off.
func newApp(t testing.TB, lim *server.Limits) *app {
	t.Helper()
	if lim == nil {
		lim = &server.Limits{}
	}
	return newAppWith(t, server.Config{Limits: lim})
}

// newAppWith is newApp with the configuration cfg (its Store and Secret
// are set here).
func newAppWith(t testing.TB, cfg server.Config) *app {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = openSQLite(t)
	}
	db := cfg.Store
	cfg.Secret = []byte(strings.Repeat("s", 32))
	if cfg.Limits == nil {
		cfg.Limits = &server.Limits{}
	}
	h, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &app{Server: srv, store: db}
}

func openSQLite(t testing.TB) tenantry.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "tenantry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// eachStore runs test once per store engine, each in a parallel subtest;
// the PostgreSQL one skips without TENANTRY_TEST_POSTGRES.
func eachStore(t *testing.T, test func(t *testing.T, store tenantry.Store)) {
	t.Helper()
	for name, open := range map[string]func(testing.TB) tenantry.Store{
		"sqlite":   openSQLite,
		"postgres": func(tb testing.TB) tenantry.Store { return postgrestest.MustOpen(tb) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, open(t))
		})
	}
}

// client is one browser's worth of cookies, without a browser: it does not
// follow redirects, and it remembers the form token of the last page.
type client struct {
	t     testing.TB
	app   *app
	http  *http.Client
	token string
}

func (a *app) client(t testing.TB) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, app: a, http: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is an answer: status, headers and body.
type page struct {
	status int
	header http.Header
	body   string
}

var tokenRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if m := tokenRE.FindSubmatch(b); m != nil {
		c.token = string(m[1])
	}
	return page{status: res.StatusCode, header: res.Header, body: string(b)}
}

// get fetches path.
func (c *client) get(path string) page {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.app.URL+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

// post sends a form as this origin's page would, with the token of the
// last page unless the form sets csrf_token itself.
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf_token"]; !ok {
		form.Set("csrf_token", c.token)
	}
	return c.postRaw(path, form, http.Header{"Origin": {c.app.URL}, "Sec-Fetch-Site": {"same-origin"}})
}

// postRaw sends a form with exactly these headers.
func (c *client) postRaw(path string, form url.Values, h http.Header) page {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.app.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// signUp creates an account through the sign-up page and is signed in.
func (c *client) signUp(email, password string) {
	c.t.Helper()
	c.get("/signup")
	p := c.post("/signup", url.Values{"email": {email}, "password": {password}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/tasks" {
		c.t.Fatalf("sign up %s: %d %s\n%s", email, p.status, p.header.Get("Location"), p.body)
	}
	c.get("/tasks")
}

// user is the signed-in account of c.
func (c *client) user() tenantry.User {
	c.t.Helper()
	p := c.get("/account")
	m := regexp.MustCompile(`Signed in as ([^<]+)<`).FindStringSubmatch(p.body)
	if m == nil {
		c.t.Fatalf("not signed in: %d", p.status)
	}
	u, err := c.app.store.UserByEmail(context.Background(), m[1])
	if err != nil {
		c.t.Fatal(err)
	}
	return u
}

// tasks lists a tenant's tasks straight from the store, as userID.
func (a *app) tasks(t testing.TB, userID, tenantID uuid.UUID) []tenantry.Task {
	t.Helper()
	var ts []tenantry.Task
	err := a.store.View(context.Background(), userID, tenantID, func(tx tenantry.TenantAccess) (err error) {
		ts, err = tx.Tasks(context.Background(), tenantry.TaskFilter{Limit: tenantry.MaxPageSize})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// mustStatus fails unless p has status want.
func mustStatus(t testing.TB, what string, p page, want int) {
	t.Helper()
	if p.status != want {
		t.Fatalf("%s: status %d, want %d\n%.600s", what, p.status, want, p.body)
	}
}
