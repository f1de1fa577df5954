package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// logBuffer collects the server's log lines for assertions, and the
// addresses its "listening" lines announce.
type logBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	addrs map[string]string // by log message
}

// addr returns the address a log line with message msg announced.
func (l *logBuffer) addr(msg string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.addrs[msg]
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startServe calls run("serve") on port 0 and returns the base URL once
// /healthz answers. The server is stopped, and must stop cleanly, when the
// test ends.
func startServe(t *testing.T, db string, env map[string]string) (string, *logBuffer) {
	t.Helper()
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"tenantry", "serve", "-addr", "127.0.0.1:0", "-db", db}, getenv, nil, io.Discard, pw)
		pw.Close()
	}()
	logs := &logBuffer{addrs: map[string]string{}}
	addrc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			line := sc.Bytes()
			var rec struct{ Msg, Addr string }
			_ = json.Unmarshal(line, &rec)
			logs.mu.Lock()
			logs.buf.Write(line)
			logs.buf.WriteByte('\n')
			if rec.Addr != "" {
				logs.addrs[rec.Msg] = rec.Addr
			}
			logs.mu.Unlock()
			if rec.Msg == "listening" {
				addrc <- rec.Addr
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v after shutdown", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not stop within 20s of cancellation")
		}
	})
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		t.Fatalf("serve stopped before listening: %v\nlogs:\n%s", err, logs)
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not listen within 30s\nlogs:\n%s", logs)
	}
	base := "http://" + addr
	for i := 0; ; i++ {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if i == 100 {
			t.Fatalf("healthz never answered 200: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return base, logs
}

// client is a small HTTP client for the end-to-end tests.
type client struct {
	t     *testing.T
	base  string
	http  *http.Client
	token string
}

func newClient(t *testing.T, base string) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// do sends a request and decodes a JSON answer into out (when non-nil). It
// fails the test unless the status is want.
func (c *client) do(method, path string, body any, want int, out any, header ...string) *http.Response {
	c.t.Helper()
	var r io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		r, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		r, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, resp.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return resp
}

type userOut struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

type taskOut struct {
	ID          string  `json:"id"`
	UserID      string  `json:"user_id"`
	Title       string  `json:"title"`
	Description *string `json:"description"`
	Completed   bool    `json:"completed"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

// lifecycle registers two users and walks every personal-task route, with a
// bearer token and with a cookie session, over real HTTP.
func lifecycle(t *testing.T, base string, logs *logBuffer) {
	const password = "correct horse battery"
	alice := newClient(t, base)
	var au userOut
	alice.do("POST", "/auth/register", map[string]string{"email": "Alice@Example.com", "password": password}, 201, &au)
	if got, want := au.Email, "alice@example.com"; got != want {
		t.Errorf("registered email %q, want %q", got, want)
	}
	alice.do("POST", "/auth/register", map[string]string{"email": "alice@example.com", "password": password}, 409, nil)

	// Token login, the OAuth2 password grant.
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	alice.do("POST", "/auth/token", url.Values{"username": {"alice@example.com"}, "password": {password}}, 200, &tok)
	if tok.TokenType != "bearer" || tok.AccessToken == "" || tok.ExpiresIn <= 0 {
		t.Fatalf("token answer %+v", tok)
	}
	alice.do("POST", "/auth/token", url.Values{"username": {"alice@example.com"}, "password": {"wrong password"}}, 401, nil)
	alice.token = tok.AccessToken
	var me userOut
	alice.do("GET", "/auth/me", nil, 200, &me)
	if me.ID != au.ID {
		t.Fatalf("me = %+v, want id %s", me, au.ID)
	}

	// The task life cycle.
	tasks := "/api/" + au.ID + "/tasks"
	var created taskOut
	alice.do("POST", tasks+"/", map[string]any{"title": "Buy milk", "description": "2 litres"}, 201, &created)
	if created.UserID != au.ID || created.Title != "Buy milk" || created.Completed {
		t.Fatalf("created %+v", created)
	}
	if _, err := time.Parse(time.RFC3339, created.CreatedAt); err != nil || !strings.HasSuffix(created.CreatedAt, "Z") {
		t.Errorf("created_at %q is not RFC 3339 UTC: %v", created.CreatedAt, err)
	}
	var got taskOut
	alice.do("GET", tasks+"/"+created.ID, nil, 200, &got)
	if got != created && got.ID != created.ID {
		t.Fatalf("got %+v, want %+v", got, created)
	}
	var replaced taskOut
	alice.do("PUT", tasks+"/"+created.ID, map[string]any{"title": "Buy oat milk"}, 200, &replaced)
	if replaced.Title != "Buy oat milk" || replaced.Description != nil {
		t.Fatalf("replaced %+v", replaced)
	}
	var patched taskOut
	alice.do("PATCH", tasks+"/"+created.ID, map[string]any{"completed": true}, 200, &patched)
	if !patched.Completed || patched.Title != "Buy oat milk" {
		t.Fatalf("patched %+v", patched)
	}
	alice.do("POST", tasks, map[string]any{"title": "Write report"}, 201, nil)
	var done, open []taskOut
	alice.do("GET", tasks+"?completed=true", nil, 200, &done)
	alice.do("GET", tasks+"?completed=false", nil, 200, &open)
	if len(done) != 1 || done[0].ID != created.ID || len(open) != 1 {
		t.Fatalf("completed=true %+v, completed=false %+v", done, open)
	}

	// Bob cannot reach Alice's task, by his own path or by hers.
	bob := newClient(t, base)
	var bu userOut
	bob.do("POST", "/auth/register", map[string]string{"email": "bob@example.com", "password": password}, 201, &bu)
	bob.do("POST", "/auth/token", url.Values{"username": {"bob@example.com"}, "password": {password}}, 200, &tok)
	bob.token = tok.AccessToken
	bob.do("GET", "/api/"+bu.ID+"/tasks/"+created.ID, nil, 404, nil)
	bob.do("GET", tasks+"/"+created.ID, nil, 403, nil)
	bob.do("DELETE", tasks, nil, 403, nil)
	alice.do("GET", tasks+"/"+created.ID, nil, 200, &got)
	if got.Title != "Buy oat milk" {
		t.Fatalf("alice's task changed after bob's attempts: %+v", got)
	}

	// Delete one, then the rest in bulk.
	alice.do("DELETE", tasks+"/"+created.ID, nil, 204, nil)
	alice.do("GET", tasks+"/"+created.ID, nil, 404, nil)
	var deleted struct {
		DeletedCount int `json:"deleted_count"`
	}
	alice.do("DELETE", tasks+"?completed=false", nil, 200, &deleted)
	if deleted.DeletedCount != 1 {
		t.Fatalf("deleted_count = %d, want 1", deleted.DeletedCount)
	}

	// Logout revokes the bearer token at once.
	alice.do("POST", "/auth/logout", nil, 204, nil)
	resp := alice.do("GET", "/auth/me", nil, 401, nil)
	if got := resp.Header.Get("WWW-Authenticate"); got != "Bearer" {
		t.Errorf("WWW-Authenticate = %q, want Bearer", got)
	}

	// Cookie login: a server-side session in an HttpOnly cookie.
	web := newClient(t, base)
	resp = web.do("POST", "/auth/login", map[string]string{"email": "alice@example.com", "password": password}, 200, nil)
	var sessionCookie *http.Cookie
	for _, c := range resp.Cookies() {
		if strings.HasSuffix(c.Name, "tenantry_session") {
			sessionCookie = c
		}
	}
	if sessionCookie == nil || !sessionCookie.HttpOnly || sessionCookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax", sessionCookie)
	}
	web.do("GET", "/auth/me", nil, 200, &me)
	var viaCookie taskOut
	web.do("POST", tasks, map[string]any{"title": "From the browser"}, 201, &viaCookie)
	// A cross-site write with the cookie is refused, and writes nothing.
	web.do("POST", tasks, map[string]any{"title": "Forged"}, 403, nil,
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	var all []taskOut
	web.do("GET", tasks, nil, 200, &all)
	if len(all) != 1 || all[0].ID != viaCookie.ID {
		t.Fatalf("after the forged write, tasks = %+v", all)
	}
	web.do("POST", "/auth/logout", nil, 204, nil)
	web.do("GET", "/auth/me", nil, 401, nil)
	// The old cookie, replayed by hand, is dead too.
	replay := newClient(t, base)
	replay.do("GET", "/auth/me", nil, 401, nil, "Cookie", sessionCookie.Name+"="+sessionCookie.Value)

	// No secret reached the logs.
	out := logs.String()
	for _, secret := range []string{password, alice.token, bob.token, sessionCookie.Value} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain a secret (%.8s...)", secret)
		}
	}
	if !strings.Contains(out, au.ID) {
		t.Errorf("the logs name no security event for alice; logs:\n%s", out)
	}
}

func TestServeSQLite(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tenantry.db")
	base, logs := startServe(t, db, nil)
	lifecycle(t, base, logs)
	orgLifecycle(t, base)
	info, err := os.Stat(db + ".secret")
	if err != nil {
		t.Fatalf("no secret file beside the database: %v", err)
	}
	if got, want := info.Mode().Perm(), os.FileMode(0o600); got != want {
		t.Errorf("secret file mode %v, want %v", got, want)
	}
	if strings.Contains(logs.String(), mustRead(t, db+".secret")) {
		t.Error("the generated secret was logged")
	}
}

// TestServeMetrics checks that metrics are served on the operator's own
// address, and never on the API's.
func TestServeMetrics(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "tenantry.db")
	base, logs := startServe(t, db, map[string]string{"TENANTRY_METRICS_ADDR": "127.0.0.1:0"})
	c := newClient(t, base)
	c.do("GET", "/healthz", nil, 200, nil)
	c.do("GET", "/metrics", nil, 404, nil)
	maddr := logs.addr("metrics listening")
	if maddr == "" {
		t.Fatalf("no metrics address in the logs:\n%s", logs)
	}
	resp, err := http.Get("http://" + maddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.Contains(string(body), "go_goroutines") {
		t.Fatalf("metrics: status %d, body %.300s", resp.StatusCode, body)
	}
	if want := `go_sql_max_open_connections{db_name="tenantry_write"} 1`; !strings.Contains(string(body), want) {
		t.Errorf("metrics: no database pool statistics (%s)", want)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// TestServePostgres runs "migrate" as the owner and "serve" as the
// application role, as the README tells an operator to.
func TestServePostgres(t *testing.T) {
	t.Parallel()
	admin := os.Getenv("TENANTRY_TEST_POSTGRES")
	if admin == "" {
		t.Skip("TENANTRY_TEST_POSTGRES is not set: skipping the PostgreSQL end-to-end test")
	}
	ownerURL, appRole := createDatabase(t, admin)
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"tenantry", "migrate", "-db", ownerURL, "-app-role", appRole},
		func(string) string { return "" }, nil, &stdout, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	u, err := url.Parse(ownerURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(appRole)
	env := map[string]string{"TENANTRY_SECRET": strings.Repeat("s", 40)}

	// Migrating as the application role says which role was used and
	// which one to use.
	err = run(context.Background(), []string{"tenantry", "migrate", "-db", u.String(), "-app-role", appRole},
		func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `role "`+appRole+`"`) || !strings.Contains(err.Error(), "owner role") {
		t.Errorf("migrate as the application role: err = %v, want it to name the role and ask for the owner", err)
	}

	// Serving as the owner (a superuser here) must be refused.
	err = run(context.Background(), []string{"tenantry", "serve", "-addr", "127.0.0.1:0", "-db", ownerURL},
		func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "row-level security") {
		t.Errorf("serve as the owner: err = %v, want a refusal that names row-level security", err)
	}
	// Without a secret, PostgreSQL mode refuses to start.
	err = run(context.Background(), []string{"tenantry", "serve", "-addr", "127.0.0.1:0", "-db", u.String()},
		func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "TENANTRY_SECRET") {
		t.Errorf("serve without a secret: err = %v, want it to ask for TENANTRY_SECRET", err)
	}

	base, logs := startServe(t, u.String(), env)
	lifecycle(t, base, logs)
	orgLifecycle(t, base)
}

// createDatabase makes a fresh database on the test server and drops it when
// the test ends. It returns the new database's URL.
// createDatabase creates a database of its own for the test, and names an
// application role of its own for migrate to create; both are dropped when
// the test ends, roles being shared by the whole server.
func createDatabase(t *testing.T, admin string) (dbURL, appRole string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to TENANTRY_TEST_POSTGRES: %v", err)
	}
	name := "tenantry_e2e_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	appRole = name + "_app"
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		if _, err := conn.Exec(ctx, "DROP ROLE IF EXISTS "+appRole); err != nil {
			t.Errorf("drop role %s: %v", appRole, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String(), appRole
}

// TestServeAccessLogAndCORS: the access log is on by default and
// TENANTRY_ACCESS_LOG=false turns it off; TENANTRY_CORS_ORIGINS answers a
// listed origin's preflight.
func TestServeAccessLogAndCORS(t *testing.T) {
	t.Parallel()
	base, logs := startServe(t, filepath.Join(t.TempDir(), "tenantry.db"),
		map[string]string{"TENANTRY_CORS_ORIGINS": "https://app.example, http://localhost:3000"})
	req, err := http.NewRequest("OPTIONS", base+"/auth/register", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if !strings.Contains(logs.String(), `"msg":"request","request_id":`) || !strings.Contains(logs.String(), `"route":"/healthz"`) {
		t.Errorf("no access-log line for /healthz:\n%s", logs)
	}

	quiet, qlogs := startServe(t, filepath.Join(t.TempDir(), "tenantry.db"), map[string]string{"TENANTRY_ACCESS_LOG": "false"})
	newClient(t, quiet).do("GET", "/healthz", nil, 200, nil)
	if strings.Contains(qlogs.String(), `"msg":"request"`) {
		t.Errorf("access log with TENANTRY_ACCESS_LOG=false:\n%s", qlogs)
	}
}

// TestServeRefusesBadCORSOrigins: a bad origin stops start-up before
// anything is created, naming the variable or flag that was used.
func TestServeRefusesBadCORSOrigins(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, map[string]string{"TENANTRY_CORS_ORIGINS": "*"}, "TENANTRY_CORS_ORIGINS"},
		{nil, map[string]string{"TENANTRY_CORS_ORIGINS": "https://app.example/"}, "TENANTRY_CORS_ORIGINS"},
		{[]string{"-cors-origins", "https://app.example,app.example"}, nil, "-cors-origins"},
		{nil, map[string]string{"TENANTRY_ACCESS_LOG": "yes"}, "TENANTRY_ACCESS_LOG"},
		{[]string{"-access-log=maybe"}, nil, "-access-log"},
	} {
		dir := t.TempDir()
		db := filepath.Join(dir, "tenantry.db")
		args := append([]string{"tenantry", "serve", "-addr", "127.0.0.1:0", "-db", db}, tc.args...)
		err := run(context.Background(), args, func(k string) string { return tc.env[k] }, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: error %v, want one naming %s", tc.args, tc.env, err, tc.want)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%v %v: created %v", tc.args, tc.env, entries)
		}
	}
}

// orgLifecycle drives an organization through the running server: created
// twice under one Idempotency-Key (one organization), a task, an invitation
// to an email with no account (its replay without the token), accepted once
// that person signs up, an outsider refused and recorded in the
// organization's audit log, a member removed, and an account deleted.
func orgLifecycle(t *testing.T, base string) {
	const password = "correct horse battery"
	signUp := func(email string) (*client, userOut) {
		c := newClient(t, base)
		var u userOut
		c.do("POST", "/auth/register", map[string]string{"email": email, "password": password}, 201, &u)
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		c.do("POST", "/auth/token", url.Values{"username": {email}, "password": {password}}, 200, &tok)
		c.token = tok.AccessToken
		return c, u
	}
	type orgOut struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	}
	owner, _ := signUp("owner@example.org")
	var org, again orgOut
	owner.do("POST", "/api/orgs", map[string]string{"name": "Acme"}, 201, &org, "Idempotency-Key", "org-1")
	owner.do("POST", "/api/orgs", map[string]string{"name": "Acme"}, 201, &again, "Idempotency-Key", "org-1")
	owner.do("POST", "/api/orgs", map[string]string{"name": "Other"}, 422, nil, "Idempotency-Key", "org-1")
	var orgs []orgOut
	owner.do("GET", "/api/orgs", nil, 200, &orgs)
	if again.ID != org.ID || len(orgs) != 1 || org.Role != "owner" {
		t.Fatalf("org %+v, replayed %+v, listed %+v: want one organization", org, again, orgs)
	}
	orgPath := "/api/orgs/" + org.ID
	var task taskOut
	owner.do("POST", orgPath+"/tasks", map[string]any{"title": "Ship it"}, 201, &task)

	type invitationOut struct {
		ID    string  `json:"id"`
		Role  string  `json:"role"`
		Token *string `json:"token"`
	}
	var inv, replayed invitationOut
	invite := map[string]string{"email": "carol@example.org", "role": "admin"}
	owner.do("POST", orgPath+"/invitations", invite, 201, &inv, "Idempotency-Key", "inv-1")
	owner.do("POST", orgPath+"/invitations", invite, 201, &replayed, "Idempotency-Key", "inv-1")
	if inv.Token == nil || replayed.ID != inv.ID || replayed.Token != nil {
		t.Fatalf("invitation %+v, replayed %+v: want one invitation, its token shown once", inv, replayed)
	}
	carol, cu := signUp("carol@example.org")
	var accepted struct {
		OrgID string `json:"org_id"`
		Role  string `json:"role"`
	}
	carol.do("POST", "/auth/invitations/accept", map[string]string{"token": *inv.Token}, 200, &accepted)
	if accepted.OrgID != org.ID || accepted.Role != "admin" {
		t.Fatalf("accepted %+v", accepted)
	}
	var seen []taskOut
	carol.do("GET", orgPath+"/tasks", nil, 200, &seen)
	if len(seen) != 1 || seen[0].ID != task.ID {
		t.Fatalf("carol sees %+v, want the org's task", seen)
	}

	// An outsider gets the same 404 as for no organization at all, writes
	// nothing, and is recorded in the organization's log.
	mallory, mu := signUp("mallory@example.org")
	mallory.do("GET", orgPath+"/tasks", nil, 404, nil)
	mallory.do("DELETE", orgPath+"/tasks/"+task.ID, nil, 404, nil)
	owner.do("GET", orgPath+"/tasks/"+task.ID, nil, 200, nil)
	type entry struct {
		Action      string `json:"action"`
		ActorUserID string `json:"actor_user_id"`
	}
	has := func(es []entry, action, actor string) bool {
		for _, e := range es {
			if e.Action == action && (actor == "" || e.ActorUserID == actor) {
				return true
			}
		}
		return false
	}
	var log []entry
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		owner.do("GET", orgPath+"/audit", nil, 200, &log)
		if has(log, "access.denied", mu.ID) || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range []struct{ action, actor string }{
		{"task.create", ""}, {"invitation.create", ""}, {"invitation.accept", cu.ID}, {"access.denied", mu.ID},
	} {
		if !has(log, want.action, want.actor) {
			t.Errorf("the organization's audit log lacks %s by %q: %+v", want.action, want.actor, log)
		}
	}

	// Removing a member ends their access; deleting an account ends its
	// memberships.
	owner.do("DELETE", orgPath+"/members/"+cu.ID, nil, 204, nil)
	carol.do("GET", orgPath+"/tasks", nil, 404, nil)
	dave, du := signUp("dave@example.org")
	owner.do("POST", orgPath+"/members", map[string]string{"email": "dave@example.org", "role": "member"}, 201, nil)
	dave.do("GET", orgPath+"/tasks", nil, 200, nil)
	dave.do("DELETE", "/auth/me", map[string]string{"password": password}, 204, nil)
	var members []struct {
		UserID string `json:"user_id"`
	}
	owner.do("GET", orgPath+"/members", nil, 200, &members)
	if len(members) != 1 || members[0].UserID == du.ID || members[0].UserID == cu.ID {
		t.Errorf("members after a removal and an account deletion: %+v, want the owner alone", members)
	}
	owner.do("DELETE", orgPath+"/tasks/"+task.ID, nil, 204, nil)
	owner.do("GET", orgPath+"/tasks/"+task.ID, nil, 404, nil)
}
