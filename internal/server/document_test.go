package server_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/authztest"
)

// servedDoc reads the OpenAPI 3.1 document the server serves, as plain
// maps.
func servedDoc(t *testing.T, h *authztest.Harness) map[string]any {
	t.Helper()
	res := h.Do("GET", "/openapi.json", nil)
	if res.Status != 200 {
		t.Fatalf("GET /openapi.json: %d", res.Status)
	}
	var doc map[string]any
	res.JSON(t, &doc)
	return doc
}

// dig walks nested JSON objects by key; nil when a key is missing.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// TestListsAreNotNullable checks that the list answers are declared as
// plain arrays: the server sends [] for none, never null.
func TestListsAreNotNullable(t *testing.T) {
	t.Parallel()
	doc := servedDoc(t, authztest.NewHarness(t, openSQLite(t)))
	for _, path := range []string{"/api/{user_id}/tasks", "/api/orgs/{org_id}/tasks", "/api/orgs", "/api/orgs/{org_id}/members"} {
		schema := dig(doc, "paths", path, "get", "responses", "200", "content", "application/json", "schema")
		if got, want := dig(schema, "type"), any("array"); got != want {
			t.Errorf("GET %s: 200 schema type %v, want %v", path, got, want)
		}
		if n := dig(schema, "nullable"); n != nil {
			t.Errorf("GET %s: 200 schema nullable %v", path, n)
		}
	}
}

// walkOps calls fn for every operation of the document.
func walkOps(t *testing.T, doc map[string]any, fn func(name string, op map[string]any)) {
	t.Helper()
	paths, _ := dig(doc, "paths").(map[string]any)
	if len(paths) == 0 {
		t.Fatal("the document has no paths")
	}
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	for _, p := range keys {
		for _, m := range []string{"get", "post", "put", "patch", "delete"} {
			if op, ok := dig(paths[p], m).(map[string]any); ok {
				fn(m+" "+p, op)
			}
		}
	}
}

// TestUnauthorizedDeclaresWWWAuthenticate checks that every 401 in the
// document declares the WWW-Authenticate header, and that the answers
// carry it.
func TestUnauthorizedDeclaresWWWAuthenticate(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	n := 0
	walkOps(t, servedDoc(t, h), func(name string, op map[string]any) {
		r := dig(op, "responses", "401")
		if r == nil {
			return
		}
		n++
		if got, want := dig(r, "headers", "WWW-Authenticate", "schema", "type"), any("string"); got != want {
			t.Errorf("%s: 401 header WWW-Authenticate type %v, want %v", name, got, want)
		}
	})
	if n < 20 {
		t.Errorf("only %d operations declare a 401", n)
	}
	form := authztest.Header("Content-Type", "application/x-www-form-urlencoded")
	for _, res := range []*authztest.Response{
		h.Do("GET", "/auth/me", nil),
		h.Do("GET", "/auth/me", nil, authztest.Bearer("not-a-token")),
		h.Do("POST", "/auth/token", authztest.Raw("username=nobody%40example.com&password=wrong-password"), form),
		h.Do("POST", "/auth/login", `{"email":"nobody@example.com","password":"wrong-password"}`, authztest.Header("Content-Type", "application/json")),
	} {
		if res.Status != 401 {
			t.Errorf("status %d, want 401: %s", res.Status, res.Body)
		}
		if got, want := res.Header.Get("WWW-Authenticate"), "Bearer"; got != want {
			t.Errorf("WWW-Authenticate %q, want %q", got, want)
		}
	}
}

// TestBearerIsOAuth2PasswordFlow checks that the bearer scheme is declared
// as FastAPI's OAuth2PasswordBearer declares it, so that /docs can fetch a
// token.
func TestBearerIsOAuth2PasswordFlow(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	doc := servedDoc(t, h)
	bearer := dig(doc, "components", "securitySchemes", "bearer")
	if got, want := dig(bearer, "type"), any("oauth2"); got != want {
		t.Errorf("bearer scheme type %v, want %v", got, want)
	}
	if got, want := dig(bearer, "flows", "password", "tokenUrl"), any("/auth/token"); got != want {
		t.Errorf("bearer password flow tokenUrl %v, want %v", got, want)
	}
	if scopes, ok := dig(bearer, "flows", "password", "scopes").(map[string]any); !ok || len(scopes) != 0 {
		t.Errorf("bearer password flow scopes %v, want {}", dig(bearer, "flows", "password", "scopes"))
	}
	// The docs page is Swagger UI, whose Authorize button runs the flow.
	if res := h.Do("GET", "/docs", nil); res.Status != 200 || !strings.Contains(string(res.Body), "/docs/swagger-ui-bundle.js") {
		t.Errorf("GET /docs: %d, not Swagger UI", res.Status)
	}
}
