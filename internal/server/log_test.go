package server_test

import (
	"bufio"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

func TestSecurityEventsLoggedWithoutSecrets(t *testing.T) {
	t.Parallel()
	// With the access log on: its lines must not hold a secret either.
	h := authztest.NewHarness(t, openSQLite(t), func(c *server.Config) { c.AccessLog = true })
	w := authztest.NewWorld(t, h)
	built := strings.Count(h.Logs.String(), `"msg":"request"`) // the world's own requests (API tokens)
	eveTok := h.Token(w.Eve)
	eve := authztest.Bearer(eveTok)
	cookie := h.Session(w.Alice)
	form := authztest.Header("Content-Type", "application/x-www-form-urlencoded")

	h.Do("GET", "/api/"+w.Alice.ID.String()+"/tasks", nil, eve)                        // path mismatch
	h.Do("GET", "/api/orgs/"+w.OrgA.ID.String()+"/tasks", nil, eve)                    // not a member
	h.Do("GET", "/api/"+w.Eve.ID.String()+"/tasks/"+w.AliceTask.ID.String(), nil, eve) // foreign task
	h.Do("POST", "/auth/token", authztest.Raw(url.Values{"username": {"eve@example.com"}, "password": {"wrong-password-xyz"}}.Encode()), form)
	h.Do("POST", "/auth/token", authztest.Raw(url.Values{"username": {"nobody@example.com"}, "password": {"wrong-password-xyz"}}.Encode()), form)
	h.Do("GET", "/auth/me", nil, authztest.Bearer(h.ForgedToken(w.Eve)))                            // bad signature
	h.Do("GET", "/auth/me", nil, authztest.Bearer(h.ExpiredToken(w.Eve)))                           // expired
	h.Do("GET", "/auth/me", nil, authztest.Bearer(w.DanToken))                                      // deleted user
	h.Do("DELETE", "/api/orgs/"+w.OrgA.ID.String()+"/tasks", nil, authztest.Bearer(h.Token(w.Mia))) // role
	h.Do("POST", "/auth/logout", nil, eve)
	h.Do("GET", "/auth/me", nil, eve) // revoked
	h.Do("DELETE", "/api/"+w.Alice.ID.String()+"/tasks", nil, authztest.Cookie(authztest.CookieName, cookie),
		authztest.Header("Origin", "https://evil.example"), authztest.Header("Sec-Fetch-Site", "cross-site"))
	// Secrets where clients put them by mistake: in the query, in a
	// cookie, in a JSON login body.
	h.Do("GET", "/api/"+w.Eve.ID.String()+"/tasks?access_token="+eveTok+"&password=query-password-xyz", nil, eve)
	h.Do("GET", "/nowhere?token="+eveTok, nil, authztest.Cookie(authztest.CookieName, cookie))
	h.Do("GET", "/auth/me", nil, authztest.Cookie(authztest.CookieName, cookie))
	h.Do("POST", "/auth/login", `{"email":"eve@example.com","password":"login-password-xyz"}`)
	h.Do("POST", "/auth/login", `{"email":"eve@example.com","password":"`+authztest.Password+`"}`)
	h.Do("DELETE", "/api/orgs/"+w.OrgA.ID.String()+"/tasks", nil, authztest.Bearer(w.ReadToken)) // read-only API token
	h.Do("GET", "/api/orgs/"+w.OrgA.ID.String()+"/tasks", nil, authztest.Bearer(w.RevokedToken)) // revoked API token
	h.Do("GET", "/auth/me", nil, authztest.Bearer(w.WriteToken))                                 // API token on an account route

	logs := h.Logs.String()
	if n := strings.Count(logs, `"msg":"request"`) - built; n != 20 {
		t.Errorf("%d access-log lines for 20 requests:\n%s", n, logs)
	}
	events := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if e, ok := rec["event"].(string); ok {
			events[e] = rec
		}
	}
	for _, e := range []string{"path_mismatch", "org_not_member", "task_not_found", "login_failed", "token_invalid",
		"token_unknown_user", "role_forbidden", "token_revoked", "cross_origin_refused",
		"api_token_read_only", "api_token_invalid", "api_token_refused"} {
		if events[e] == nil {
			t.Errorf("no %s event in the log", e)
		}
	}
	if rec := events["path_mismatch"]; rec != nil {
		if rec["user_id"] != w.Eve.ID.String() || rec["target_user_id"] != w.Alice.ID.String() || rec["route"] != "/api/{user_id}/tasks" || rec["remote_addr"] == nil {
			t.Errorf("path_mismatch event lacks who, what or where: %v", rec)
		}
	}
	if rec := events["task_not_found"]; rec != nil && (rec["target_task_id"] != w.AliceTask.ID.String() || rec["user_id"] != w.Eve.ID.String()) {
		t.Errorf("task_not_found event lacks who or what: %v", rec)
	}
	if rec := events["org_not_member"]; rec != nil && rec["target_tenant_id"] != w.OrgA.ID.String() {
		t.Errorf("org_not_member event lacks the target: %v", rec)
	}
	for _, secret := range []string{eveTok, eveTok[:20], cookie, "wrong-password-xyz", "query-password-xyz", "login-password-xyz",
		authztest.Password, w.DanToken, "Bearer ", "$argon2id", "access_token", "?",
		w.ReadToken, w.WriteToken, w.PersonalToken, w.RevokedToken, w.RexAPIToken, "tnt_"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains a secret %.20q…", secret)
		}
	}
}

// logRecords decodes every JSON log line.
func logRecords(t *testing.T, logs string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		recs = append(recs, rec)
	}
	return recs
}

// TestSecurityEventsNameTheirTargets checks that each security event says
// which task, member and tenant the caller aimed at, and that an id that is
// not a UUID (a token pasted into a URL, say) never reaches the log.
func TestSecurityEventsNameTheirTargets(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	w := authztest.NewWorld(t, h)
	eveTok, miaTok := h.Token(w.Eve), h.Token(w.Mia)
	eve, mia := authztest.Bearer(eveTok), authztest.Bearer(miaTok)
	json := authztest.Header("Content-Type", "application/json")
	org := "/api/orgs/" + w.OrgA.ID.String()
	alice, orgA := w.Alice.ID.String(), w.OrgA.ID.String()

	type want struct {
		event, method, route string
		attrs                map[string]string
	}
	var wants []want
	do := func(method, path string, body any, who authztest.Opt, event, route string, attrs map[string]string) {
		t.Helper()
		opts := []authztest.Opt{who}
		if body != nil {
			opts = append(opts, json)
		}
		if res := h.Do(method, path, body, opts...); res.Status < 400 {
			t.Fatalf("%s %s: status %d", method, path, res.Status)
		}
		wants = append(wants, want{event, method, route, attrs})
	}
	do("GET", "/api/"+w.Eve.ID.String()+"/tasks/"+w.AliceTask.ID.String(), nil, eve, "task_not_found", "/api/{user_id}/tasks/{task_id}",
		map[string]string{"user_id": w.Eve.ID.String(), "target_task_id": w.AliceTask.ID.String(), "target_tenant_id": w.Eve.ID.String()})
	do("GET", org+"/tasks/"+w.OrgATask.ID.String(), nil, eve, "org_not_member", "/api/orgs/{org_id}/tasks/{task_id}",
		map[string]string{"user_id": w.Eve.ID.String(), "target_task_id": w.OrgATask.ID.String(), "target_tenant_id": orgA})
	do("DELETE", "/api/orgs/"+w.OrgB.ID.String()+"/tasks/"+w.OrgBTask.ID.String(), nil, mia, "org_not_member", "/api/orgs/{org_id}/tasks/{task_id}",
		map[string]string{"user_id": w.Mia.ID.String(), "target_task_id": w.OrgBTask.ID.String(), "target_tenant_id": w.OrgB.ID.String()})
	do("GET", org+"/members", nil, eve, "org_not_member", "/api/orgs/{org_id}/members",
		map[string]string{"user_id": w.Eve.ID.String(), "target_tenant_id": orgA})
	do("PATCH", org+"/members/"+alice, `{"role":"member"}`, mia, "role_forbidden", "/api/orgs/{org_id}/members/{user_id}",
		map[string]string{"user_id": w.Mia.ID.String(), "target_user_id": alice, "target_tenant_id": orgA})
	do("DELETE", org+"/members/"+alice, nil, mia, "role_forbidden", "/api/orgs/{org_id}/members/{user_id}",
		map[string]string{"user_id": w.Mia.ID.String(), "target_user_id": alice, "target_tenant_id": orgA})
	do("POST", org+"/members", `{"user_id":"`+w.Eve.ID.String()+`","role":"member"}`, mia, "role_forbidden", "/api/orgs/{org_id}/members",
		map[string]string{"user_id": w.Mia.ID.String(), "target_user_id": w.Eve.ID.String(), "target_tenant_id": orgA})
	// Credentials pasted where an id belongs are logged as a placeholder.
	do("GET", "/api/"+w.Eve.ID.String()+"/tasks/"+eveTok, nil, eve, "task_not_found", "/api/{user_id}/tasks/{task_id}",
		map[string]string{"target_task_id": "(not a UUID)"})
	do("GET", "/api/"+eveTok+"/tasks", nil, eve, "path_mismatch", "/api/{user_id}/tasks",
		map[string]string{"target_user_id": "(not a UUID)"})
	do("GET", "/api/orgs/"+eveTok, nil, eve, "org_not_found", "/api/orgs/{org_id}",
		map[string]string{"target_tenant_id": "(not a UUID)"})
	do("PATCH", org+"/members/"+miaTok, `{"role":"admin"}`, mia, "role_forbidden", "/api/orgs/{org_id}/members/{user_id}",
		map[string]string{"target_user_id": "(not a UUID)", "target_tenant_id": orgA})

	logs := h.Logs.String()
	recs := logRecords(t, logs)
	for _, wt := range wants {
		found := false
		for _, rec := range recs {
			if rec["event"] != wt.event || rec["method"] != wt.method || rec["route"] != wt.route {
				continue
			}
			ok := true
			for k, v := range wt.attrs {
				if rec[k] != v {
					ok = false
				}
			}
			found = found || ok
		}
		if !found {
			t.Errorf("no %s event for %s %s with %v in the log:\n%s", wt.event, wt.method, wt.route, wt.attrs, logs)
		}
	}
	// Not a token, nor its first characters (every JWT begins alike).
	for _, secret := range []string{eveTok, miaTok, eveTok[:20], authztest.Password, "Bearer "} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains a secret %.20q…", secret)
		}
	}
}
