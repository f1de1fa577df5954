package server_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

// register creates an account over HTTP and returns its id.
func register(t *testing.T, h *authztest.Harness, email, password string) string {
	t.Helper()
	res := h.Do("POST", "/auth/register", map[string]string{"email": email, "password": password})
	if got, want := res.Status, 201; got != want {
		t.Fatalf("register %s: status %d, want %d: %s", email, got, want, res.Body)
	}
	var u struct {
		ID        string `json:"id"`
		Email     string `json:"email"`
		CreatedAt string `json:"created_at"`
	}
	res.JSON(t, &u)
	if got, want := u.Email, strings.ToLower(email); got != want {
		t.Errorf("registered email %q, want %q", got, want)
	}
	if !strings.HasSuffix(u.CreatedAt, "Z") {
		t.Errorf("created_at %q is not UTC RFC 3339", u.CreatedAt)
	}
	return u.ID
}

// token logs in with the password grant and returns the access token.
func token(t *testing.T, h *authztest.Harness, email, password string) string {
	t.Helper()
	res := h.Do("POST", "/auth/token", authztest.Raw(url.Values{"username": {email}, "password": {password}}.Encode()),
		authztest.Header("Content-Type", "application/x-www-form-urlencoded"))
	if got, want := res.Status, 200; got != want {
		t.Fatalf("token %s: status %d, want %d: %s", email, got, want, res.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	res.JSON(t, &tok)
	if tok.TokenType != "bearer" || tok.ExpiresIn != 1800 || tok.AccessToken == "" {
		t.Fatalf("token response %s", res.Body)
	}
	if got, want := res.Header.Get("Cache-Control"), "no-store"; got != want {
		t.Errorf("token Cache-Control %q, want %q", got, want)
	}
	return tok.AccessToken
}

// login opens a cookie session and returns the cookie value.
func login(t *testing.T, h *authztest.Harness, email, password string) string {
	t.Helper()
	res := h.Do("POST", "/auth/login", map[string]string{"email": email, "password": password})
	if got, want := res.Status, 200; got != want {
		t.Fatalf("login %s: status %d, want %d: %s", email, got, want, res.Body)
	}
	sc := res.Header.Get("Set-Cookie")
	for _, want := range []string{"tenantry_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %q", sc, want)
		}
	}
	v, _, _ := strings.Cut(strings.TrimPrefix(sc, "tenantry_session="), ";")
	return v
}

func createTask(t *testing.T, h *authztest.Harness, uid string, title string, opts ...authztest.Opt) map[string]any {
	t.Helper()
	res := h.Do("POST", "/api/"+uid+"/tasks", map[string]any{"title": title}, opts...)
	if got, want := res.Status, 201; got != want {
		t.Fatalf("create task: status %d, want %d: %s", got, want, res.Body)
	}
	var task map[string]any
	res.JSON(t, &task)
	return task
}

// TestSeedUserCannotGetOthersTask is the seed guide's integration test: user2
// cannot get user1's task, over HTTP, with real registration and tokens.
func TestSeedUserCannotGetOthersTask(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		u1 := register(t, h, "user1@test.com", "password-1")
		tok1 := token(t, h, "user1@test.com", "password-1")
		task := createTask(t, h, u1, "Test Task", authztest.Bearer(tok1)) // the seed posts to "/api/user1/tasks/"
		u2 := register(t, h, "user2@test.com", "password-2")
		tok2 := token(t, h, "user2@test.com", "password-2")
		res := h.Do("GET", "/api/"+u2+"/tasks/"+task["id"].(string), nil, authztest.Bearer(tok2))
		if got, want := res.Status, 404; got != want {
			t.Fatalf("user2 GET user1's task: status %d, want %d: %s", got, want, res.Body)
		}
		if got, want := res.Problem(t).Detail, tenantry.MsgTaskNotFound; got != want {
			t.Errorf("detail %q, want %q", got, want)
		}
	})
}

func TestTrailingSlash(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	u := h.NewUser("a@example.com")
	tok := h.Token(u)
	res := h.Do("POST", "/api/"+u.ID.String()+"/tasks/", map[string]any{"title": "slash"}, authztest.Bearer(tok))
	if got, want := res.Status, 201; got != want {
		t.Fatalf("POST with trailing slash: status %d, want %d: %s", got, want, res.Body)
	}
	res = h.Do("GET", "/api/"+u.ID.String()+"/tasks/", nil, authztest.Bearer(tok))
	if got, want := res.Status, 200; got != want {
		t.Fatalf("GET with trailing slash: status %d, want %d: %s", got, want, res.Body)
	}
}

func TestTokenFlow(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		uid := register(t, h, "Flow@Example.com", "password-1")
		tok := token(t, h, "flow@example.com", "password-1")
		res := h.Do("GET", "/auth/me", nil, authztest.Bearer(tok))
		if got, want := res.Status, 200; got != want {
			t.Fatalf("me: status %d, want %d: %s", got, want, res.Body)
		}
		if !strings.Contains(string(res.Body), uid) {
			t.Errorf("me %s lacks id %s", res.Body, uid)
		}
		// Logout revokes this token at once; another token keeps working.
		other := token(t, h, "flow@example.com", "password-1")
		if res := h.Do("POST", "/auth/logout", nil, authztest.Bearer(tok)); res.Status != 204 {
			t.Fatalf("logout: status %d: %s", res.Status, res.Body)
		}
		res = h.Do("GET", "/auth/me", nil, authztest.Bearer(tok))
		if got, want := res.Status, 401; got != want {
			t.Fatalf("me after logout: status %d, want %d", got, want)
		}
		if got, want := res.Header.Get("WWW-Authenticate"), "Bearer"; got != want {
			t.Errorf("WWW-Authenticate %q, want %q", got, want)
		}
		if res := h.Do("GET", "/auth/me", nil, authztest.Bearer(other)); res.Status != 200 {
			t.Fatalf("other token after logout: status %d", res.Status)
		}
	})
}

// TestTokenFormAsOAuth2ClientsSendIt: the full password-grant form a client
// library sends, client credentials included (documented, ignored), works;
// an unknown field does not.
func TestTokenFormAsOAuth2ClientsSendIt(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	register(t, h, "client@example.com", "password-1")
	form := url.Values{"grant_type": {"password"}, "username": {"client@example.com"}, "password": {"password-1"},
		"scope": {"tasks"}, "client_id": {"cli"}, "client_secret": {"s3cret"}}
	res := h.Do("POST", "/auth/token", authztest.Raw(form.Encode()),
		authztest.Header("Content-Type", "application/x-www-form-urlencoded"))
	if got, want := res.Status, 200; got != want {
		t.Fatalf("token with client credentials: status %d, want %d: %s", got, want, res.Body)
	}
	form.Set("client_type", "public")
	res = h.Do("POST", "/auth/token", authztest.Raw(form.Encode()),
		authztest.Header("Content-Type", "application/x-www-form-urlencoded"))
	if got, want := res.Status, 422; got != want {
		t.Fatalf("token with an unknown field: status %d, want %d: %s", got, want, res.Body)
	}
	if strings.Contains(string(res.Body), "s3cret") || strings.Contains(string(res.Body), "password-1") {
		t.Errorf("the answer echoes a credential: %s", res.Body)
	}
}

func TestBadLoginsLookAlike(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	register(t, h, "known@example.com", "password-1")
	tok := func(user, pw string) *authztest.Response {
		return h.Do("POST", "/auth/token", authztest.Raw(url.Values{"username": {user}, "password": {pw}}.Encode()),
			authztest.Header("Content-Type", "application/x-www-form-urlencoded"))
	}
	wrong, unknown := tok("known@example.com", "password-2"), tok("unknown@example.com", "password-1")
	if wrong.Status != 401 || unknown.Status != 401 {
		t.Fatalf("statuses %d, %d; want 401, 401", wrong.Status, unknown.Status)
	}
	if string(wrong.Body) != string(unknown.Body) {
		t.Errorf("bodies differ:\n%s\n%s", wrong.Body, unknown.Body)
	}
	lw := h.Do("POST", "/auth/login", map[string]string{"email": "known@example.com", "password": "password-2"})
	lu := h.Do("POST", "/auth/login", map[string]string{"email": "unknown@example.com", "password": "password-1"})
	if lw.Status != 401 || string(lw.Body) != string(lu.Body) {
		t.Errorf("login answers differ: %d %s / %d %s", lw.Status, lw.Body, lu.Status, lu.Body)
	}
	if res := h.Do("POST", "/auth/register", map[string]string{"email": "KNOWN@example.com", "password": "password-3"}); res.Status != 409 {
		t.Errorf("duplicate register: status %d, want 409", res.Status)
	}
}

func TestCookieFlow(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		uid := register(t, h, "cookie@example.com", "password-1")
		c := login(t, h, "cookie@example.com", "password-1")
		cookie := authztest.Cookie(authztest.CookieName, c)
		task := createTask(t, h, uid, "by cookie", cookie)
		// A cross-site write with the cookie is refused and writes nothing.
		res := h.Do("DELETE", "/api/"+uid+"/tasks/"+task["id"].(string), nil, cookie,
			authztest.Header("Origin", "https://evil.example"), authztest.Header("Sec-Fetch-Site", "cross-site"))
		if got, want := res.Status, 403; got != want {
			t.Fatalf("cross-site delete: status %d, want %d", got, want)
		}
		if res := h.Do("GET", "/api/"+uid+"/tasks/"+task["id"].(string), nil, cookie); res.Status != 200 {
			t.Fatalf("task after refused delete: status %d", res.Status)
		}
		// A new login renews the session: the old cookie stops working.
		res = h.Do("POST", "/auth/login", map[string]string{"email": "cookie@example.com", "password": "password-1"}, cookie)
		if res.Status != 200 {
			t.Fatalf("second login: %d %s", res.Status, res.Body)
		}
		if res := h.Do("GET", "/auth/me", nil, cookie); res.Status != 401 {
			t.Fatalf("old cookie after new login: status %d, want 401", res.Status)
		}
		c2 := login(t, h, "cookie@example.com", "password-1")
		cookie2 := authztest.Cookie(authztest.CookieName, c2)
		res = h.Do("POST", "/auth/logout", nil, cookie2)
		if res.Status != 204 || !strings.Contains(res.Header.Get("Set-Cookie"), "Max-Age=0") {
			t.Fatalf("logout: status %d, Set-Cookie %q", res.Status, res.Header.Get("Set-Cookie"))
		}
		if res := h.Do("GET", "/auth/me", nil, cookie2); res.Status != 401 {
			t.Fatalf("cookie after logout: status %d, want 401", res.Status)
		}
		// A login form posted from another site is refused.
		res = h.Do("POST", "/auth/login", map[string]string{"email": "cookie@example.com", "password": "password-1"},
			authztest.Header("Origin", "https://evil.example"), authztest.Header("Sec-Fetch-Site", "cross-site"))
		if got, want := res.Status, 403; got != want {
			t.Errorf("cross-site login: status %d, want %d", got, want)
		}
	})
}

func TestPasswordChangeRevokesEverything(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		register(t, h, "pw@example.com", "password-1")
		tok := token(t, h, "pw@example.com", "password-1")
		cookie := authztest.Cookie(authztest.CookieName, login(t, h, "pw@example.com", "password-1"))
		res := h.Do("POST", "/auth/password", map[string]string{"current_password": "wrong-one", "new_password": "password-2"}, authztest.Bearer(tok))
		if got, want := res.Status, 403; got != want {
			t.Fatalf("wrong current password: status %d, want %d", got, want)
		}
		res = h.Do("POST", "/auth/password", map[string]string{"current_password": "password-1", "new_password": "password-2"}, authztest.Bearer(tok))
		if got, want := res.Status, 204; got != want {
			t.Fatalf("change password: status %d, want %d: %s", got, want, res.Body)
		}
		if res := h.Do("GET", "/auth/me", nil, authztest.Bearer(tok)); res.Status != 401 {
			t.Errorf("old token: status %d, want 401", res.Status)
		}
		if res := h.Do("GET", "/auth/me", nil, cookie); res.Status != 401 {
			t.Errorf("old session: status %d, want 401", res.Status)
		}
		if res := h.Do("POST", "/auth/token", authztest.Raw("username=pw%40example.com&password=password-1"),
			authztest.Header("Content-Type", "application/x-www-form-urlencoded")); res.Status != 401 {
			t.Errorf("old password: status %d, want 401", res.Status)
		}
		if res := h.Do("GET", "/auth/me", nil, authztest.Bearer(token(t, h, "pw@example.com", "password-2"))); res.Status != 200 {
			t.Errorf("new password's token: status %d, want 200", res.Status)
		}
	})
}

func TestDeletedAccountToken(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		uid := register(t, h, "gone@example.com", "password-1")
		tok := token(t, h, "gone@example.com", "password-1")
		createTask(t, h, uid, "soon gone", authztest.Bearer(tok))
		// The last owner of an organization with other members cannot leave.
		org := h.Do("POST", "/api/orgs", map[string]string{"name": "Gone Inc"}, authztest.Bearer(tok))
		var o struct{ ID string }
		org.JSON(t, &o)
		h.NewUser("stays@example.com")
		if res := h.Do("POST", "/api/orgs/"+o.ID+"/members", map[string]string{"email": "stays@example.com", "role": "member"}, authztest.Bearer(tok)); res.Status != 201 {
			t.Fatalf("add member: %d %s", res.Status, res.Body)
		}
		// Deleting the account takes the current password.
		for _, body := range []any{nil, map[string]string{}, map[string]string{"password": "wrong password"}} {
			if res := h.Do("DELETE", "/auth/me", body, authztest.Bearer(tok)); res.Status/100 != 4 || res.Status == 409 {
				t.Fatalf("delete without the password (%v): status %d, want 400/403/422: %s", body, res.Status, res.Body)
			}
		}
		if res := h.Do("DELETE", "/auth/me", map[string]string{"password": "wrong password"}, authztest.Bearer(tok)); res.Status != 403 {
			t.Fatalf("delete with a wrong password: status %d, want 403: %s", res.Status, res.Body)
		}
		if !strings.Contains(h.Logs.String(), `"event":"account_deletion_refused"`) {
			t.Errorf("no security event for a refused deletion: %s", h.Logs.String())
		}
		if res := h.Do("DELETE", "/auth/me", map[string]string{"password": "password-1"}, authztest.Bearer(tok)); res.Status != 409 {
			t.Fatalf("delete last owner: status %d, want 409: %s", res.Status, res.Body)
		}
		if res := h.Do("PATCH", "/api/orgs/"+o.ID+"/members/"+uid, map[string]string{"role": "member"}, authztest.Bearer(tok)); res.Status != 409 {
			t.Fatalf("demote last owner: status %d, want 409: %s", res.Status, res.Body)
		}
		if res := h.Do("DELETE", "/api/orgs/"+o.ID+"/members/"+uid, nil, authztest.Bearer(tok)); res.Status != 409 {
			t.Fatalf("last owner leaves: status %d, want 409: %s", res.Status, res.Body)
		}
		stays, err := h.Store.UserByEmail(t.Context(), "stays@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if res := h.Do("DELETE", "/api/orgs/"+o.ID+"/members/"+stays.ID.String(), nil, authztest.Bearer(tok)); res.Status != 204 {
			t.Fatalf("remove member: status %d: %s", res.Status, res.Body)
		}
		if res := h.Do("DELETE", "/auth/me", map[string]string{"password": "password-1"}, authztest.Bearer(tok)); res.Status != 204 {
			t.Fatalf("delete account: status %d, want 204: %s", res.Status, res.Body)
		}
		res := h.Do("GET", "/api/"+uid+"/tasks", nil, authztest.Bearer(tok))
		if got, want := res.Status, 401; got != want {
			t.Fatalf("deleted user's token: status %d, want %d", got, want)
		}
		if got, want := res.Problem(t).Detail, tenantry.MsgBadCredentials; got != want {
			t.Errorf("detail %q, want %q", got, want)
		}
		if got, want := res.Header.Get("WWW-Authenticate"), "Bearer"; got != want {
			t.Errorf("WWW-Authenticate %q, want %q", got, want)
		}
	})
}

func TestRemovedMemberLosesAccessAtOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		owner, member := h.NewUser("o@example.com"), h.NewUser("m@example.com")
		ot, mt := h.Token(owner), h.Token(member)
		res := h.Do("POST", "/api/orgs", map[string]string{"name": "Org"}, authztest.Bearer(ot))
		var o struct{ ID string }
		res.JSON(t, &o)
		if res := h.Do("POST", "/api/orgs/"+o.ID+"/members", map[string]any{"user_id": member.ID, "role": "member"}, authztest.Bearer(ot)); res.Status != 201 {
			t.Fatalf("add: %d %s", res.Status, res.Body)
		}
		if res := h.Do("GET", "/api/orgs/"+o.ID+"/tasks", nil, authztest.Bearer(mt)); res.Status != 200 {
			t.Fatalf("member reads: %d", res.Status)
		}
		if res := h.Do("DELETE", "/api/orgs/"+o.ID+"/members/"+member.ID.String(), nil, authztest.Bearer(ot)); res.Status != 204 {
			t.Fatalf("remove: %d %s", res.Status, res.Body)
		}
		res = h.Do("GET", "/api/orgs/"+o.ID+"/tasks", nil, authztest.Bearer(mt))
		if got, want := res.Status, 404; got != want {
			t.Fatalf("removed member with the same token: status %d, want %d", got, want)
		}
	})
}

func TestSecureCookies(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t), func(c *server.Config) { c.SecureCookies = true })
	register(t, h, "tls@example.com", "password-1")
	res := h.Do("POST", "/auth/login", map[string]string{"email": "tls@example.com", "password": "password-1"})
	sc := res.Header.Get("Set-Cookie")
	if res.Status != 200 || !strings.HasPrefix(sc, "__Host-tenantry_session=") || !strings.Contains(sc, "; Secure") || strings.Contains(sc, "Domain=") {
		t.Fatalf("login: %d, Set-Cookie %q", res.Status, sc)
	}
	v, _, _ := strings.Cut(strings.TrimPrefix(sc, "__Host-tenantry_session="), ";")
	cookie := authztest.Cookie("__Host-tenantry_session", v)
	if res := h.Do("GET", "/auth/me", nil, cookie); res.Status != 200 {
		t.Fatalf("me with the __Host- cookie: %d", res.Status)
	}
	if res := h.Do("GET", "/auth/me", nil, authztest.Cookie(authztest.CookieName, v)); res.Status != 401 {
		t.Errorf("the plain cookie name is not the session with SecureCookies: %d", res.Status)
	}
	// Logging in again ends the session the browser presented.
	h.Do("POST", "/auth/login", map[string]string{"email": "tls@example.com", "password": "password-1"}, cookie)
	if res := h.Do("GET", "/auth/me", nil, cookie); res.Status != 401 {
		t.Errorf("old __Host- session after a new login: %d, want 401", res.Status)
	}
}

// clock is a settable time source for the server and the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		step   time.Duration // between uses
		steps  int           // how many; the last one must fail unless lastOK
		lastOK bool
	}{
		{name: "idle", step: 31 * time.Minute, steps: 1},
		{name: "used within the idle limit", step: 29 * time.Minute, steps: 3, lastOK: true},
		{name: "absolute", step: 29 * time.Minute, steps: 50}, // never idle, but 24 h 10 min in all
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			db := sqlitetest.MustOpen(t)
			c := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			db.Now = c.Now
			h := authztest.NewHarness(t, db, func(cfg *server.Config) { cfg.Now = c.Now })
			register(t, h, "s@example.com", "password-1")
			cookie := authztest.Cookie(authztest.CookieName, login(t, h, "s@example.com", "password-1"))
			if res := h.Do("GET", "/auth/me", nil, cookie); res.Status != 200 {
				t.Fatalf("fresh session: %d", res.Status)
			}
			for i := 1; i <= tc.steps; i++ {
				c.Advance(tc.step)
				st := h.Do("GET", "/auth/me", nil, cookie).Status
				if got, want := st == 200, i < tc.steps || tc.lastOK; got != want {
					t.Fatalf("use %d, %v after the last: status %d, want ok=%v", i, tc.step, st, want)
				}
			}
		})
	}
}
