package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/tenantry/tenantry/internal/authztest"
)

// servedDocs are the two OpenAPI documents the server serves, and the file
// each is written to for the linter.
var servedDocs = []struct{ path, file string }{
	{"/openapi.json", "openapi.json"},
	{"/openapi-3.0.json", "openapi-3.0.json"},
}

// TestOpenAPIStrict loads both documents with kin-openapi and validates them
// with its default, strict options: no unknown keywords (huma's
// patternDescription once made the loader refuse the document), sound
// references, examples that match their schemas. With
// TENANTRY_OPENAPI_DIR set, the documents are also written there, for
// .ci/run's Redocly lint.
func TestOpenAPIStrict(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	dir := os.Getenv("TENANTRY_OPENAPI_DIR")
	for _, d := range servedDocs {
		res := h.Do("GET", d.path, nil)
		if res.Status != 200 {
			t.Fatalf("GET %s: %d", d.path, res.Status)
		}
		if strings.Contains(string(res.Body), "patternDescription") {
			t.Errorf("%s holds huma's patternDescription, which is not OpenAPI", d.path)
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(res.Body)
		if err != nil {
			t.Errorf("%s: kin-openapi refuses to load it: %v", d.path, err)
			continue
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Errorf("%s: %v", d.path, err)
		}
		if dir != "" {
			if err := os.WriteFile(filepath.Join(dir, d.file), res.Body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestPublicOperationsDeclareNoSecurity checks that every operation either
// names the schemes it takes or says, with an empty list, that it takes
// none, and that the document names its server.
func TestPublicOperationsDeclareNoSecurity(t *testing.T) {
	t.Parallel()
	doc := servedDoc(t, authztest.NewHarness(t, openSQLite(t)))
	public := map[string]bool{
		"register": true, "token": true, "login": true, "healthz": true, "readyz": true,
	}
	walkOps(t, doc, func(name string, op map[string]any) {
		sec, ok := op["security"].([]any)
		if !ok {
			t.Errorf("%s: no security list", name)
			return
		}
		if id, _ := op["operationId"].(string); public[id] != (len(sec) == 0) {
			t.Errorf("%s: security %v; public: %v", name, sec, public[id])
		}
	})
	servers, _ := dig(doc, "servers").([]any)
	if len(servers) != 1 || dig(servers[0], "url") != "/" {
		t.Errorf("servers %v, want one with url \"/\"", servers)
	}
}

// TestLinkHeaderDescribed checks that every list answer's Link header says
// what it holds, in words Swagger UI shows as written (no bare <...>, which
// Markdown renders as an HTML tag and hides).
func TestLinkHeaderDescribed(t *testing.T) {
	t.Parallel()
	doc := servedDoc(t, authztest.NewHarness(t, openSQLite(t)))
	n := 0
	walkOps(t, doc, func(name string, op map[string]any) {
		h := dig(op, "responses", "200", "headers", "Link")
		if h == nil {
			return
		}
		n++
		desc, _ := dig(h, "description").(string)
		if !strings.Contains(desc, "`<URL>; rel=\"next\"`") {
			t.Errorf("%s: Link header description %q", name, desc)
		}
	})
	if n < 2 {
		t.Errorf("%d list answers with a Link header, want the two task lists at least", n)
	}
	bearer, _ := dig(doc, "components", "securitySchemes", "bearer", "description").(string)
	if !strings.Contains(bearer, "`Authorization: Bearer <token>`") {
		t.Errorf("bearer scheme description %q: <token> is not in a code span", bearer)
	}
}

// TestPatternMessageReadable checks that moving patternDescription out of
// the document kept huma's readable message for a pattern failure.
func TestPatternMessageReadable(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	u := h.NewUser("pattern@example.com")
	res := h.Do("POST", "/api/"+u.ID.String()+"/tasks", map[string]any{"title": "a\u0001b"}, authztest.Bearer(h.Token(u)))
	if res.Status != 422 {
		t.Fatalf("control character in a title: %d, want 422", res.Status)
	}
	if p := res.Problem(t); !strings.Contains(p.Detail, "no control characters") {
		t.Errorf("detail %q, want it to say no control characters", p.Detail)
	}
	doc := servedDoc(t, h)
	desc, _ := dig(doc, "components", "schemas", "TaskIn", "properties", "title", "description").(string)
	if !strings.Contains(desc, "No control characters.") {
		t.Errorf("TaskIn.title description %q does not carry the pattern's meaning", desc)
	}
}
