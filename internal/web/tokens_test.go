package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
)

// apiStatus calls the API with an API token and returns the status.
func (a *app) apiStatus(t *testing.T, method, path, token string) int {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := a.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

var newTokenRE = regexp.MustCompile(`<code id="new-token">(tnt_[A-Za-z0-9_-]+)</code>`)

// TestAPITokensPage: a token made on the page is shown once, works on the
// API for its space only, is listed without its secret, and stops working
// when revoked there; another person can neither make one for a space they
// are not in nor revoke it.
func TestAPITokensPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mustStatus(t, "tokens page", f.alice.get("/account/tokens"), 200)
	p := f.alice.post("/account/tokens", url.Values{"name": {"ci script"}, "tenant_id": {f.org.String()}, "scope": {"read"}, "expires_in_days": {"30"}})
	mustStatus(t, "create", p, 201)
	m := newTokenRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no token on the page:\n%s", p.body)
	}
	secret := m[1]
	orgTasks := "/api/orgs/" + f.org.String() + "/tasks"
	if got := f.app.apiStatus(t, "GET", orgTasks, secret); got != 200 {
		t.Errorf("the token lists Acme's tasks: %d, want 200", got)
	}
	if got := f.app.apiStatus(t, "DELETE", orgTasks+"/"+f.orgTask.String(), secret); got != 403 {
		t.Errorf("the read token deletes: %d, want 403", got)
	}
	if got := f.app.apiStatus(t, "GET", "/api/"+f.aliceID.String()+"/tasks", secret); got != 404 {
		t.Errorf("the Acme token on the personal tasks: %d, want 404", got)
	}

	p = f.alice.get("/account/tokens")
	if mustStatus(t, "list", p, 200); !strings.Contains(p.body, "ci script") || strings.Contains(p.body, secret) {
		t.Errorf("the list shows the token without its secret:\n%s", p.body)
	}
	list, err := f.app.store.APITokens(t.Context(), f.aliceID)
	if err != nil || len(list) != 1 || list[0].Scope != tenantry.ScopeRead || list[0].ExpiresAt == nil {
		t.Fatalf("stored tokens: %+v, %v", list, err)
	}

	f.bob.get("/account/tokens")
	p = f.bob.post("/account/tokens", url.Values{"name": {"x"}, "tenant_id": {f.org.String()}, "scope": {"write"}, "expires_in_days": {"0"}})
	mustStatus(t, "bob makes a token for Acme (the not-found page)", p, 404)
	mustStatus(t, "bob revokes alice's token", f.bob.post("/account/tokens/"+list[0].ID.String()+"/revoke", nil), 404)
	if got := f.app.apiStatus(t, "GET", orgTasks, secret); got != 200 {
		t.Errorf("after bob's try: %d, want 200", got)
	}

	f.alice.get("/account/tokens")
	mustStatus(t, "revoke", f.alice.post("/account/tokens/"+list[0].ID.String()+"/revoke", nil), 303)
	if got := f.app.apiStatus(t, "GET", orgTasks, secret); got != 401 {
		t.Errorf("the revoked token: %d, want 401", got)
	}
	for name, form := range map[string]url.Values{
		"no name":      {"name": {""}, "tenant_id": {f.org.String()}, "scope": {"read"}},
		"a bad scope":  {"name": {"x"}, "tenant_id": {f.org.String()}, "scope": {"admin"}},
		"a bad expiry": {"name": {"x"}, "tenant_id": {f.org.String()}, "scope": {"read"}, "expires_in_days": {"-1"}},
		"a bad tenant": {"name": {"x"}, "tenant_id": {"nope"}, "scope": {"read"}},
	} {
		mustStatus(t, "create with "+name, f.alice.post("/account/tokens", form), 422)
	}
}

// TestExportLink: the account page links to the export, which the session
// downloads.
func TestExportLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.alice.get("/account")
	if !strings.Contains(p.body, `href="/api/me/export"`) {
		t.Fatalf("no export link on the account page:\n%s", p.body)
	}
	p = f.alice.get("/api/me/export")
	if mustStatus(t, "export", p, 200); !strings.Contains(p.body, `"email":"alice@example.com"`) || !strings.Contains(p.body, "Acme") {
		t.Errorf("export:\n%s", p.body)
	}
}
