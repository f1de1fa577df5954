package server_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/authztest"
)

// routes is every operation the server answers; the OpenAPI document must
// describe each.
func routes() []string {
	return []string{
		"GET /healthz", "GET /readyz",
		"POST /auth/register", "POST /auth/token", "POST /auth/login", "POST /auth/logout", "POST /auth/logout-all",
		"POST /auth/2fa/enroll", "POST /auth/2fa/confirm", "POST /auth/2fa/disable",
		"GET /auth/me", "DELETE /auth/me", "POST /auth/password",
		"POST /api/{user_id}/tasks", "GET /api/{user_id}/tasks", "DELETE /api/{user_id}/tasks",
		"GET /api/{user_id}/tasks/{task_id}", "PUT /api/{user_id}/tasks/{task_id}",
		"PATCH /api/{user_id}/tasks/{task_id}", "DELETE /api/{user_id}/tasks/{task_id}",
		"GET /api/{user_id}/export", "POST /api/{user_id}/tokens", "GET /api/{user_id}/tokens", "DELETE /api/{user_id}/tokens/{token_id}",
		"POST /api/orgs", "GET /api/orgs", "GET /api/orgs/{org_id}",
		"GET /api/orgs/{org_id}/members", "POST /api/orgs/{org_id}/members",
		"PATCH /api/orgs/{org_id}/members/{user_id}", "DELETE /api/orgs/{org_id}/members/{user_id}",
		"POST /api/orgs/{org_id}/tasks", "GET /api/orgs/{org_id}/tasks", "DELETE /api/orgs/{org_id}/tasks",
		"GET /api/orgs/{org_id}/tasks/{task_id}", "PUT /api/orgs/{org_id}/tasks/{task_id}",
		"PATCH /api/orgs/{org_id}/tasks/{task_id}", "DELETE /api/orgs/{org_id}/tasks/{task_id}",
		"POST /api/orgs/{org_id}/invitations", "GET /api/orgs/{org_id}/invitations",
		"DELETE /api/orgs/{org_id}/invitations/{invitation_id}", "POST /auth/invitations/accept",
		"GET /api/orgs/{org_id}/audit", "GET /api/{user_id}/audit",
	}
}

type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas         map[string]json.RawMessage `json:"schemas"`
		SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
	} `json:"components"`
}

type openAPIOp struct {
	Security  []map[string][]string `json:"security"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
	RequestBody *struct {
		Content map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			} `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
}

func TestOpenAPI(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	res := h.Do("GET", "/openapi.json", nil)
	if res.Status != 200 {
		t.Fatalf("GET /openapi.json: %d", res.Status)
	}
	var doc openAPIDoc
	res.JSON(t, &doc)
	if got, want := doc.OpenAPI, "3.1.0"; got != want {
		t.Errorf("openapi %q, want %q", got, want)
	}
	for _, s := range []string{"bearer", "cookie"} {
		if doc.Components.SecuritySchemes[s] == nil {
			t.Errorf("security scheme %s missing", s)
		}
	}
	n := 0
	for _, ops := range doc.Paths {
		n += len(ops)
	}
	if got, want := n, len(routes()); got != want {
		t.Errorf("document has %d operations, want %d", got, want)
	}
	for _, r := range routes() {
		method, path, _ := strings.Cut(r, " ")
		raw := doc.Paths[path][strings.ToLower(method)]
		if raw == nil {
			t.Errorf("%s is not documented", r)
			continue
		}
		var op openAPIOp
		if err := json.Unmarshal(raw, &op); err != nil {
			t.Fatal(err)
		}
		public := strings.HasPrefix(path, "/healthz") || strings.HasPrefix(path, "/readyz") ||
			path == "/auth/register" || path == "/auth/token" || path == "/auth/login"
		if !public && len(op.Security) != 2 {
			t.Errorf("%s: security %v, want bearer and cookie", r, op.Security)
		}
		if !public && op.Responses["401"].Content["application/problem+json"].Schema.Ref == "" {
			t.Errorf("%s: no problem+json 401", r)
		}
		if op.Responses["500"].Content == nil {
			t.Errorf("%s: no 500", r)
		}
		if strings.Contains(path, "{task_id}") || strings.Contains(path, "{org_id}") {
			if op.Responses["404"].Content == nil {
				t.Errorf("%s: no 404", r)
			}
		}
		if strings.HasPrefix(path, "/api/{user_id}") && op.Responses["403"].Content == nil {
			t.Errorf("%s: no 403", r)
		}
		if op.RequestBody != nil {
			for _, code := range []string{"400", "408", "413", "415", "422"} {
				if op.Responses[code].Content == nil {
					t.Errorf("%s: takes a body but does not document %s", r, code)
				}
			}
		}
		for code, resp := range op.Responses {
			for ct, m := range resp.Content {
				if m.Schema.Ref == "" && code != "200" {
					t.Errorf("%s %s %s: anonymous schema", r, code, ct)
				}
			}
		}
	}
	// Named bodies, nullable fields, UTC timestamps.
	for _, name := range []string{"TaskOut", "OrgTaskOut", "TokenOut", "UserOut", "OrgOut", "MemberOut", "DeletedOut", "TaskIn", "TaskPatchIn", "TokenForm"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s missing", name)
		}
	}
	for name := range doc.Components.Schemas {
		if strings.HasSuffix(name, "Request") || strings.HasSuffix(name, "Response") {
			t.Errorf("anonymous body schema %s", name)
		}
	}
	task := string(doc.Components.Schemas["OrgTaskOut"])
	for _, want := range []string{`"date-time"`, `["string","null"]`, `"additionalProperties":false`} {
		if !strings.Contains(strings.ReplaceAll(task, " ", ""), want) {
			t.Errorf("OrgTaskOut schema lacks %s: %s", want, task)
		}
	}
	if !strings.Contains(string(doc.Components.Schemas["TaskIn"]), `"maxLength":200`) {
		t.Errorf("TaskIn does not document the title limit: %s", doc.Components.Schemas["TaskIn"])
	}
	if res := h.Do("GET", "/docs", nil); res.Status != 200 || !strings.Contains(string(res.Body), "openapi") {
		t.Errorf("GET /docs: %d", res.Status)
	}
}
