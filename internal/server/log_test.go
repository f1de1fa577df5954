package server_test

import (
	"bufio"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/authztest"
)

func TestSecurityEventsLoggedWithoutSecrets(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	w := authztest.NewWorld(t, h)
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

	logs := h.Logs.String()
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
		"token_unknown_user", "role_forbidden", "token_revoked", "cross_origin_refused"} {
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
	for _, secret := range []string{eveTok, cookie, "wrong-password-xyz", authztest.Password, w.DanToken, "Bearer ", "$argon2id"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log contains a secret %.20q…", secret)
		}
	}
}
