package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

// auditLog reads a tenant's audit log straight from the store, as a
// member, with its raw JSON as the API would show it.
func auditLog(t *testing.T, h *authztest.Harness, member, tenant uuid.UUID) ([]tenantry.AuditEntry, string) {
	t.Helper()
	var es []tenantry.AuditEntry
	err := h.Store.View(context.Background(), member, tenant, func(tx tenantry.TenantAccess) (err error) {
		es, err = tx.AuditEntries(context.Background(), tenantry.AuditFilter{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(es)
	if err != nil {
		t.Fatal(err)
	}
	return es, string(raw)
}

// eventually waits until ok holds of the tenant's log, for an entry written
// off the request path, and returns the log.
func eventually(t *testing.T, h *authztest.Harness, member, tenant uuid.UUID, what string, ok func([]tenantry.AuditEntry) bool) []tenantry.AuditEntry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		es, _ := auditLog(t, h, member, tenant)
		if ok(es) {
			return es
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not in the log after 10 s: %+v", what, es)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func withAction(es []tenantry.AuditEntry, action string) []tenantry.AuditEntry {
	var out []tenantry.AuditEntry
	for _, e := range es {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

// reqID sends X-Request-Id.
func reqID(id string) authztest.Opt { return authztest.Header("X-Request-Id", id) }

// TestAuditAccountEntries: sign-ins by token and by cookie, a wrong
// password, a password change, logouts, API tokens made and revoked and a
// sign-out everywhere are each in the user's personal log, with the actor,
// address and request id, and never the password, token or cookie sent; an
// unknown email writes nothing.
func TestAuditAccountEntries(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		alice := h.NewUser("alice@example.com")
		form := func(email, pw, id string) *authztest.Response {
			v := url.Values{"username": {email}, "password": {pw}}
			return h.Do("POST", "/auth/token", authztest.Raw(v.Encode()), reqID(id),
				authztest.Header("Content-Type", "application/x-www-form-urlencoded"))
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		res := form("alice@example.com", authztest.Password, "req-token")
		if res.Status != 200 {
			t.Fatalf("token: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &tok)
		const wrong = "wrong-password-sent-9f3c"
		if res := form("alice@example.com", wrong, "req-wrong"); res.Status != 401 {
			t.Fatalf("wrong password: %d", res.Status)
		}
		if res := form("nobody@example.com", wrong, "req-nobody"); res.Status != 401 {
			t.Fatalf("unknown email: %d", res.Status)
		}
		login := h.Do("POST", "/auth/login", map[string]any{"email": "alice@example.com", "password": authztest.Password}, reqID("req-login"))
		if login.Status != 200 {
			t.Fatalf("login: %d %s", login.Status, login.Body)
		}
		cookie := strings.SplitN(strings.TrimPrefix(login.Header.Get("Set-Cookie"), authztest.CookieName+"="), ";", 2)[0]
		if res := h.Do("POST", "/auth/logout", nil, authztest.Cookie(authztest.CookieName, cookie), reqID("req-logout-cookie")); res.Status != 204 {
			t.Fatalf("logout (cookie): %d %s", res.Status, res.Body)
		}
		bearer := authztest.Bearer(tok.AccessToken)
		var made struct{ ID, Token string }
		res = h.Do("POST", "/api/me/tokens", map[string]any{"name": "nightly backup", "tenant_id": alice.ID, "scope": "read"}, bearer, reqID("req-token-create"))
		if res.Status != 201 {
			t.Fatalf("create API token: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &made)
		if res := h.Do("DELETE", "/api/me/tokens/"+made.ID, nil, bearer, reqID("req-token-revoke")); res.Status != 204 {
			t.Fatalf("revoke API token: %d %s", res.Status, res.Body)
		}
		kept, keptSecret := h.APIToken(alice, alice.ID, tenantry.ScopeRead)
		const newPassword = "new-password-sent-7d2a"
		if res := h.Do("POST", "/auth/password", map[string]any{"current_password": authztest.Password, "new_password": newPassword},
			bearer, reqID("req-password")); res.Status != 204 {
			t.Fatalf("password: %d %s", res.Status, res.Body)
		}
		res = form("alice@example.com", newPassword, "req-token-2")
		res.JSON(t, &tok)
		bearer = authztest.Bearer(tok.AccessToken)
		if res := h.Do("POST", "/auth/logout-all?include_api_tokens=true", nil, bearer, reqID("req-logout-all")); res.Status != 204 {
			t.Fatalf("logout-all: %d %s", res.Status, res.Body)
		}
		res = form("alice@example.com", newPassword, "req-token-3")
		res.JSON(t, &tok)
		if res := h.Do("POST", "/auth/logout", nil, authztest.Bearer(tok.AccessToken), reqID("req-logout-token")); res.Status != 204 {
			t.Fatalf("logout (token): %d %s", res.Status, res.Body)
		}

		all := eventually(t, h, alice.ID, alice.ID, "auth.login_failed", func(es []tenantry.AuditEntry) bool {
			return len(withAction(es, tenantry.AuditLoginFailed)) > 0
		})
		// The failure is written off the request path, so it has no fixed
		// place among the others.
		var es []tenantry.AuditEntry
		for _, e := range all {
			if e.Action != tenantry.AuditLoginFailed {
				es = append(es, e)
			}
		}
		failed := withAction(all, tenantry.AuditLoginFailed)
		if len(failed) != 1 {
			t.Fatalf("failed sign-ins = %+v, want the one", failed)
		}
		if f := failed[0]; f.ActorUserID != alice.ID || f.RequestID != "req-wrong" || f.IP == "" || f.TargetID != alice.ID.String() ||
			f.Details["reason"] != "password" || f.Details["count"] != float64(1) {
			t.Errorf("auth.login_failed = %+v", f)
		}
		type want struct {
			action, reqID string
			details       map[string]any
		}
		wants := []want{
			{tenantry.AuditLogout, "req-logout-token", map[string]any{"method": "token"}},
			{tenantry.AuditLogin, "req-token-3", map[string]any{"method": "token", "two_factor": false}},
			{tenantry.AuditLogoutAll, "req-logout-all", map[string]any{"api_tokens": true}},
			{tenantry.AuditTokenRevoke, "req-logout-all", map[string]any{"name": "script"}},
			{tenantry.AuditLogin, "req-token-2", map[string]any{"method": "token"}},
			{tenantry.AuditPassword, "req-password", nil},
			{tenantry.AuditTokenCreate, authztest.RequestID, map[string]any{"name": "script"}},
			{tenantry.AuditTokenRevoke, "req-token-revoke", map[string]any{"name": "nightly backup"}},
			{tenantry.AuditTokenCreate, "req-token-create", map[string]any{"name": "nightly backup", "scope": "read", "tenant_id": alice.ID.String()}},
			{tenantry.AuditLogout, "req-logout-cookie", map[string]any{"method": "session"}},
			{tenantry.AuditLogin, "req-login", map[string]any{"method": "session", "two_factor": false}},
			{tenantry.AuditLogin, "req-token", map[string]any{"method": "token", "two_factor": false}},
		}
		if len(es) != len(wants) {
			t.Fatalf("%d entries, want %d: %+v", len(es), len(wants), es)
		}
		for i, w := range wants {
			e := es[i]
			if e.Action != w.action || e.RequestID != w.reqID || e.ActorUserID != alice.ID || e.IP == "" {
				t.Errorf("entry %d = %s by %s from %q, request %q; want %s, request %q, by alice", i, e.Action, e.ActorUserID, e.IP, e.RequestID, w.action, w.reqID)
			}
			for k, v := range w.details {
				if e.Details[k] != v {
					t.Errorf("entry %d (%s) details[%s] = %v, want %v", i, e.Action, k, e.Details[k], v)
				}
			}
		}
		if c, r := es[8], es[7]; c.TargetType != "api_token" || c.TargetID != made.ID || r.TargetID != made.ID {
			t.Errorf("token entries name %s and %s, want %s", c.TargetID, r.TargetID, made.ID)
		}
		if r := es[3]; r.TargetID != kept {
			t.Errorf("sign-out everywhere revoked %s, want %s", r.TargetID, kept)
		}
		// Through the API, the same: no secret anywhere in the log.
		now, err := h.Store.UserByID(context.Background(), alice.ID) // its credentials' version moved on
		if err != nil {
			t.Fatal(err)
		}
		list := h.Do("GET", "/api/me/audit?limit=100", nil, authztest.Bearer(h.Token(now)))
		if list.Status != 200 {
			t.Fatalf("GET audit: %d", list.Status)
		}
		_, raw := auditLog(t, h, alice.ID, alice.ID)
		for _, secret := range []string{authztest.Password, wrong, newPassword, made.Token, keptSecret, tok.AccessToken, cookie} {
			if strings.Contains(string(list.Body), secret) || strings.Contains(raw, secret) {
				t.Errorf("the audit log holds %q", secret)
			}
		}
		if strings.Contains(raw, "nobody@example.com") || strings.Contains(raw, "req-nobody") {
			t.Error("the unknown email's failure was recorded")
		}
	})
}

// TestAuditTwoFactorSignIn: a wrong code after the right password is a
// failed sign-in of the account, a right one a sign-in with two_factor;
// neither entry holds the code.
func TestAuditTwoFactorSignIn(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		clock := newFakeClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
		h := authztest.NewHarness(t, open(t), func(c *server.Config) { c.Now = clock.Now })
		alice := h.NewUser("alice@example.com")
		bearer := authztest.Bearer(h.Token(alice))
		var enrol struct{ Secret string }
		h.Do("POST", "/auth/2fa/enroll", nil, bearer).JSON(t, &enrol)
		code := func() string {
			c, err := totp.GenerateCode(enrol.Secret, clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		if res := h.Do("POST", "/auth/2fa/confirm", map[string]any{"code": code()}, bearer); res.Status != 200 {
			t.Fatalf("confirm: %d %s", res.Status, res.Body)
		}
		clock.Add(30 * time.Second) // the confirming code's step is spent
		wrongCode := "000000"
		if wrongCode == code() {
			wrongCode = "111111"
		}
		if res := tokenForm(h, "alice@example.com", authztest.Password, wrongCode); res.Status != 401 {
			t.Fatalf("wrong code: %d", res.Status)
		}
		good := code()
		if res := tokenForm(h, "alice@example.com", authztest.Password, good); res.Status != 200 {
			t.Fatalf("right code: %d %s", res.Status, res.Body)
		}
		es := eventually(t, h, alice.ID, alice.ID, "auth.login_failed", func(es []tenantry.AuditEntry) bool {
			return len(withAction(es, tenantry.AuditLoginFailed)) > 0
		})
		if f := withAction(es, tenantry.AuditLoginFailed); len(f) != 1 || f[0].Details["reason"] != "two_factor" || f[0].IP == "" || f[0].RequestID == "" {
			t.Errorf("failed sign-ins = %+v", f)
		}
		if l := withAction(es, tenantry.AuditLogin); len(l) != 1 || l[0].Details["two_factor"] != true || l[0].Details["method"] != "token" {
			t.Errorf("sign-ins = %+v", l)
		}
		_, raw := auditLog(t, h, alice.ID, alice.ID)
		for _, c := range []string{`"` + wrongCode + `"`, `"` + good + `"`, enrol.Secret} {
			if strings.Contains(raw, c) {
				t.Errorf("the log holds %s", c)
			}
		}
	})
}

// TestAccessDeniedGoesToTheVictim: a non-member's call into an
// organization, a personal path of another user, an API token used on
// another tenant and a token asked for a foreign tenant are each recorded
// in the tenant attacked, by the attacker, with address and request id;
// the attacker's own logs hold none of it.
func TestAccessDeniedGoesToTheVictim(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		eve := authztest.Bearer(h.Token(w.Eve))
		orgA := "/api/orgs/" + w.OrgA.ID.String()
		if res := h.Do("GET", orgA+"/tasks", nil, eve, reqID("req-org")); res.Status != 404 {
			t.Fatalf("eve in A: %d", res.Status)
		}
		if res := h.Do("GET", "/api/"+w.Alice.ID.String()+"/tasks", nil, eve, reqID("req-path")); res.Status != 403 {
			t.Fatalf("eve on alice's path: %d", res.Status)
		}
		_, evesToken := h.APIToken(w.Eve, w.Eve.ID, tenantry.ScopeRead)
		if res := h.Do("GET", orgA+"/tasks", nil, authztest.Bearer(evesToken), reqID("req-apitoken")); res.Status != 404 {
			t.Fatalf("eve's API token in A: %d", res.Status)
		}
		if res := h.Do("POST", "/api/me/tokens", map[string]any{"name": "x", "tenant_id": w.OrgB.ID, "scope": "read"}, eve, reqID("req-mint")); res.Status != 404 {
			t.Fatalf("eve's token for B: %d", res.Status)
		}
		// A tenant that does not exist: nothing to record, nowhere.
		if res := h.Do("GET", "/api/orgs/"+uuid.NewString()+"/tasks", nil, eve, reqID("req-nothing")); res.Status != 404 {
			t.Fatalf("eve in no org: %d", res.Status)
		}

		kinds := func(es []tenantry.AuditEntry) map[string]tenantry.AuditEntry {
			m := map[string]tenantry.AuditEntry{}
			for _, e := range withAction(es, tenantry.AuditAccessDenied) {
				m[e.Details["kind"].(string)] = e
			}
			return m
		}
		a := kinds(eventually(t, h, w.Alice.ID, w.OrgA.ID, "denials in A", func(es []tenantry.AuditEntry) bool {
			return len(kinds(es)) == 2
		}))
		for kind, id := range map[string]string{"org_not_member": "req-org", "api_token_tenant": "req-apitoken"} {
			e := a[kind]
			if e.ActorUserID != w.Eve.ID || e.RequestID != id || e.IP == "" || e.TargetID != w.OrgA.ID.String() ||
				e.Details["count"] != float64(1) || e.Details["route"] != "GET /api/orgs/{org_id}/tasks" {
				t.Errorf("%s in A = %+v", kind, e)
			}
		}
		if id, _ := a["api_token_tenant"].Details["api_token_id"].(string); uuid.Validate(id) != nil {
			t.Errorf("api_token_tenant names token %q, want its id", id)
		}
		p := kinds(eventually(t, h, w.Alice.ID, w.Alice.ID, "denial in alice's tenant", func(es []tenantry.AuditEntry) bool {
			return len(kinds(es)) == 1
		}))
		if e := p["path_mismatch"]; e.ActorUserID != w.Eve.ID || e.RequestID != "req-path" || e.Details["route"] != "GET /api/{user_id}/tasks" {
			t.Errorf("path_mismatch in alice's tenant = %+v", e)
		}
		b := kinds(eventually(t, h, w.Oscar.ID, w.OrgB.ID, "denial in B", func(es []tenantry.AuditEntry) bool {
			return len(kinds(es)) == 1
		}))
		if e := b["api_token_not_member"]; e.ActorUserID != w.Eve.ID || e.RequestID != "req-mint" {
			t.Errorf("api_token_not_member in B = %+v", e)
		}
		es, raw := auditLog(t, h, w.Eve.ID, w.Eve.ID)
		if d := withAction(es, tenantry.AuditAccessDenied); len(d) != 0 {
			t.Errorf("eve's own log holds denials: %+v", d)
		}
		if strings.Contains(raw, "req-nothing") || strings.Contains(raw, evesToken) {
			t.Errorf("eve's log: %s", raw)
		}
		// Eve reads none of it either.
		if res := h.Do("GET", orgA+"/audit", nil, eve); res.Status != 404 {
			t.Errorf("eve reads A's log: %d", res.Status)
		}
	})
}

// stalledDenials is a store whose AuditDenied waits until released.
type stalledDenials struct {
	tenantry.Store
	release chan struct{}
	calls   atomic.Int32
}

func (s *stalledDenials) AuditDenied(ctx context.Context, tenant uuid.UUID, e tenantry.AuditEntry) error {
	s.calls.Add(1)
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Store.AuditDenied(ctx, tenant, e)
}

// TestAccessDeniedAnswerTellsNothing: the attacker's 404 is the same bytes
// whether the organization exists or not, and is answered while the
// denial's write is still stalled: the write is off the request path, so
// neither the answer nor its time depends on it.
func TestAccessDeniedAnswerTellsNothing(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		inner := open(t)
		stalled := &stalledDenials{Store: inner, release: make(chan struct{})}
		h := authztest.NewHarness(t, stalled)
		w := authztest.NewWorld(t, authztest.NewHarness(t, inner))
		eve := authztest.Bearer(h.Token(w.Eve))
		for _, path := range []string{"/tasks", "", "/members", "/audit"} {
			done := make(chan [2]*authztest.Response, 1)
			go func() {
				done <- [2]*authztest.Response{
					h.Do("GET", "/api/orgs/"+w.OrgA.ID.String()+path, nil, eve),
					h.Do("GET", "/api/orgs/"+uuid.NewString()+path, nil, eve),
				}
			}()
			var res [2]*authztest.Response
			select {
			case res = <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("GET %s: no answer while the denial's write is stalled", path)
			}
			if res[0].Status != 404 || string(res[0].Body) != string(res[1].Body) ||
				res[0].Header.Get("Content-Length") != res[1].Header.Get("Content-Length") {
				t.Errorf("GET %s: existing org %d %q, none %d %q", path, res[0].Status, res[0].Body, res[1].Status, res[1].Body)
			}
		}
		deadline := time.Now().Add(5 * time.Second)
		for stalled.calls.Load() == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if stalled.calls.Load() == 0 {
			t.Error("no denial was written at all")
		}
		close(stalled.release)
		eventually(t, h, w.Alice.ID, w.OrgA.ID, "the stalled denial", func(es []tenantry.AuditEntry) bool {
			return len(withAction(es, tenantry.AuditAccessDenied)) > 0
		})
	})
}

// TestAccessDeniedFloodIsBounded: N denials of one attacker against one
// organization are a bounded number of entries whose counts add up to N:
// one a minute at first, and with a short window, two a window.
func TestAccessDeniedFloodIsBounded(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		const n = 60
		flood := func(h *authztest.Harness, w *authztest.World) time.Duration {
			eve := authztest.Bearer(h.Token(w.Eve))
			start := time.Now()
			for range n {
				if res := h.Do("GET", "/api/orgs/"+w.OrgA.ID.String()+"/tasks", nil, eve); res.Status != 404 {
					t.Fatalf("denial: %d", res.Status)
				}
			}
			return time.Since(start)
		}
		sum := func(es []tenantry.AuditEntry) (total int) {
			for _, e := range es {
				c, _ := e.Details["count"].(float64)
				total += int(c)
			}
			return total
		}

		// The default window, a minute: the flood is one entry so far.
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		flood(h, w)
		eventually(t, h, w.Alice.ID, w.OrgA.ID, "the first denial", func(es []tenantry.AuditEntry) bool {
			return len(withAction(es, tenantry.AuditAccessDenied)) > 0
		})
		time.Sleep(300 * time.Millisecond)
		es, _ := auditLog(t, h, w.Alice.ID, w.OrgA.ID)
		if d := withAction(es, tenantry.AuditAccessDenied); len(d) != 1 || d[0].Details["count"] != float64(1) {
			t.Errorf("%d denials of a flood of %d within the minute, want 1: %+v", len(d), n, d)
		}

		// A short window: every attempt counted, two entries a window.
		const window = 200 * time.Millisecond
		h = authztest.NewHarness(t, open(t), server.WithAttemptWindow(window, 0))
		w = authztest.NewWorld(t, h)
		took := flood(h, w)
		es = eventually(t, h, w.Alice.ID, w.OrgA.ID, "every denial counted", func(es []tenantry.AuditEntry) bool {
			return sum(withAction(es, tenantry.AuditAccessDenied)) == n
		})
		windows := int(took/window) + 1
		if d := withAction(es, tenantry.AuditAccessDenied); len(d) > 2*windows {
			t.Errorf("%d entries for %d denials in %v, want at most %d", len(d), n, took, 2*windows)
		}
	})
}

// TestAuditActionsDocumented: the document names every action an entry may
// record, where a client filters by it and where it reads it.
func TestAuditActionsDocumented(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	res := h.Do("GET", "/openapi.json", nil)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, Description string }
		}
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct{ Description string }
			}
		}
	}
	res.JSON(t, &doc)
	var param string
	for _, p := range doc.Paths["/api/{user_id}/audit"]["get"].Parameters {
		if p.Name == "action" {
			param = p.Description
		}
	}
	field := doc.Components.Schemas["AuditEntryOut"].Properties["action"].Description
	for _, a := range tenantry.AuditActions() {
		if !strings.Contains(param, a) || !strings.Contains(field, a) {
			t.Errorf("action %s: not in the parameter's doc %q or the field's %q", a, param, field)
		}
	}
}

// TestFailedSignInsAreCounted: a run of wrong passwords against one
// account, from any address, is one entry within the minute; with a short
// window, entries whose counts add up to every failure.
func TestFailedSignInsAreCounted(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		const n = 8
		fail := func(h *authztest.Harness) {
			for i := range n {
				v := url.Values{"username": {"alice@example.com"}, "password": {"wrong-password"}}
				res := h.Do("POST", "/auth/token", authztest.Raw(v.Encode()), authztest.Header("Content-Type", "application/x-www-form-urlencoded"),
					func(r *http.Request) { r.RemoteAddr = fmt.Sprintf("198.51.100.%d:1234", i+1) })
				if res.Status != 401 {
					t.Fatalf("wrong password: %d", res.Status)
				}
			}
		}
		failures := func(es []tenantry.AuditEntry) (entries, total int) {
			for _, e := range withAction(es, tenantry.AuditLoginFailed) {
				c, _ := e.Details["count"].(float64)
				entries, total = entries+1, total+int(c)
			}
			return entries, total
		}
		h := authztest.NewHarness(t, open(t))
		alice := h.NewUser("alice@example.com")
		fail(h)
		eventually(t, h, alice.ID, alice.ID, "the first failure", func(es []tenantry.AuditEntry) bool {
			e, _ := failures(es)
			return e > 0
		})
		time.Sleep(300 * time.Millisecond)
		es, _ := auditLog(t, h, alice.ID, alice.ID)
		if e, total := failures(es); e != 1 || total != 1 {
			t.Errorf("%d entries counting %d of %d failures within the minute, want 1 counting 1", e, total, n)
		}

		h = authztest.NewHarness(t, open(t), server.WithAttemptWindow(100*time.Millisecond, 0))
		alice = h.NewUser("alice@example.com")
		fail(h)
		eventually(t, h, alice.ID, alice.ID, "every failure counted", func(es []tenantry.AuditEntry) bool {
			_, total := failures(es)
			return total == n
		})
	})
}
