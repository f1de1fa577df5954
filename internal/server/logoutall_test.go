package server_test

import (
	"net/url"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
)

// TestLogoutAll: every session and access token of the caller ends, other
// users' do not; API tokens stay unless asked, and an API token cannot
// sign anyone out.
func TestLogoutAll(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		me := "/auth/me"
		first, second := authztest.Bearer(h.Token(w.Alice)), authztest.Bearer(h.Token(w.Alice))
		cookie := authztest.Cookie(authztest.CookieName, h.Session(w.Alice))
		mia := authztest.Bearer(h.Token(w.Mia))
		orgTasks := "/api/orgs/" + w.OrgA.ID.String() + "/tasks"

		if res := h.Do("POST", "/auth/logout-all", nil, authztest.Bearer(w.WriteToken)); res.Status != 403 {
			t.Errorf("logout-all with an API token: %d, want 403", res.Status)
		}
		if res := h.Do("POST", "/auth/logout-all", nil, first); res.Status != 204 {
			t.Fatalf("logout-all: %d %s", res.Status, res.Body)
		}
		for name, cred := range map[string]authztest.Opt{"the token used": first, "another token": second, "the session": cookie} {
			if res := h.Do("GET", me, nil, cred); res.Status != 401 {
				t.Errorf("%s after logout-all: %d, want 401", name, res.Status)
			}
		}
		if res := h.Do("GET", me, nil, mia); res.Status != 200 {
			t.Errorf("another user's token: %d, want 200", res.Status)
		}
		if res := h.Do("GET", orgTasks, nil, authztest.Bearer(w.WriteToken)); res.Status != 200 {
			t.Errorf("an API token after logout-all without include_api_tokens: %d, want 200", res.Status)
		}

		fresh := authztest.Bearer(signIn(t, h, "alice@example.com"))
		if res := h.Do("POST", "/auth/logout-all?include_api_tokens=true", nil, fresh); res.Status != 204 {
			t.Fatalf("logout-all with API tokens: %d %s", res.Status, res.Body)
		}
		for _, tok := range []string{w.WriteToken, w.ReadToken, w.PersonalToken} {
			if res := h.Do("GET", orgTasks, nil, authztest.Bearer(tok)); res.Status != 401 {
				t.Errorf("an API token after logout-all with include_api_tokens: %d, want 401", res.Status)
			}
		}
		if res := h.Do("GET", me, nil, fresh); res.Status != 401 {
			t.Errorf("the token used, second time: %d, want 401", res.Status)
		}
	})
}

// signIn gets an access token through POST /auth/token.
func signIn(t *testing.T, h *authztest.Harness, email string) string {
	t.Helper()
	res := h.Do("POST", "/auth/token", authztest.Raw(url.Values{"username": {email}, "password": {authztest.Password}}.Encode()),
		authztest.Header("Content-Type", "application/x-www-form-urlencoded"))
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if res.Status != 200 {
		t.Fatalf("sign in: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &out)
	return out.AccessToken
}
