package client_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// specDoc is an OpenAPI document read as plain JSON, so that one walker
// reads the 3.0 snapshot and the served 3.1 document alike.
type specDoc struct {
	OpenAPI    string                        `json:"openapi"`
	Paths      map[string]map[string]*specOp `json:"paths"`
	Components struct {
		Schemas         map[string]*specSchema `json:"schemas"`
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
			In     string `json:"in"`
			Name   string `json:"name"`
			Flows  struct {
				Password *struct {
					TokenURL string `json:"tokenUrl"`
				} `json:"password"`
			} `json:"flows"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

type specOp struct {
	OperationID string                `json:"operationId"`
	Security    []map[string][]string `json:"security"`
	Parameters  []specParam           `json:"parameters"`
	RequestBody *specBody             `json:"requestBody"`
	Responses   map[string]specBody   `json:"responses"`
}

type specParam struct {
	Name     string      `json:"name"`
	In       string      `json:"in"`
	Required bool        `json:"required"`
	Schema   *specSchema `json:"schema"`
}

type specBody struct {
	Required bool                 `json:"required"`
	Content  map[string]specMedia `json:"content"`
}

type specMedia struct {
	Schema *specSchema `json:"schema"`
}

type specSchema struct {
	Ref        string                 `json:"$ref"`
	Type       json.RawMessage        `json:"type"` // a string, or in 3.1 a list
	Format     string                 `json:"format"`
	Nullable   bool                   `json:"nullable"` // 3.0
	Properties map[string]*specSchema `json:"properties"`
	Required   []string               `json:"required"`
	Items      *specSchema            `json:"items"`
	Enum       []any                  `json:"enum"`
	// AdditionalProperties is false for closed objects.
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
}

// types is the schema's type list.
func (s *specSchema) types() []string {
	if len(s.Type) == 0 {
		return nil
	}
	var one string
	if json.Unmarshal(s.Type, &one) == nil {
		return []string{one}
	}
	var many []string
	json.Unmarshal(s.Type, &many)
	return many
}

// nullable says whether null is allowed, in either version's spelling.
func (s *specSchema) nullable() bool {
	return s.Nullable || slices.Contains(s.types(), "null")
}

// is says whether the schema's non-null type is typ.
func (s *specSchema) is(typ string) bool {
	ts := slices.DeleteFunc(s.types(), func(t string) bool { return t == "null" })
	return len(ts) == 1 && ts[0] == typ
}

// publicOps are the operations anyone may call; every other one must
// declare how to authenticate.
var publicOps = map[string]bool{"register": true, "token": true, "login": true, "healthz": true, "readyz": true}

// nullableFields are the properties that may be null, as Schema.property.
// Every other property of a response body must be present and not null.
var nullableFields = map[string]bool{
	"TaskOut.description": true, "OrgTaskOut.description": true, "OrgTaskOut.assigned_user_id": true,
	"TaskIn.description": true, "OrgTaskIn.description": true, "OrgTaskIn.assigned_user_id": true,
	"TaskPatchIn.description": true, "OrgTaskPatchIn.description": true, "OrgTaskPatchIn.assigned_user_id": true,
	"APITokenOut.expires_at": true, "APITokenOut.last_used_at": true,
	"NewAPITokenOut.expires_at": true, "NewAPITokenOut.last_used_at": true, "AuditEntryOut.actor_email": true,
	"InvitationCreatedOut.token": true, // null in the replay of an Idempotency-Key: the token is never stored
	"ErrorModel.errors":          true, // huma's problem type: absent or null when there are no details
}

const (
	problemJSON = "application/problem+json"
	appJSON     = "application/json"
	errorModel  = "#/components/schemas/ErrorModel"
)

func parseSpec(t *testing.T, b []byte) *specDoc {
	t.Helper()
	var doc specDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return &doc
}

// operations lists the document's operations as "METHOD path".
func (d *specDoc) operations() map[string]*specOp {
	ops := map[string]*specOp{}
	for path, byMethod := range d.Paths {
		for method, op := range byMethod {
			ops[strings.ToUpper(method)+" "+path] = op
		}
	}
	return ops
}

// statuses is the sorted list of an operation's declared statuses.
func (op *specOp) statuses() []string {
	return slices.Sorted(maps.Keys(op.Responses))
}

// TestSpec walks the committed 3.0 snapshot (the client's input) and the 3.1
// document the server serves at /openapi.json.
func TestSpec(t *testing.T) {
	t.Parallel()
	srv := mustServer(t)
	docs := map[string]*specDoc{
		"3.0 snapshot": parseSpec(t, readFile(t, "openapi.json")),
		"3.1 served":   parseSpec(t, fetch(t, srv, "/openapi.json")),
	}
	if got := docs["3.0 snapshot"].OpenAPI; !strings.HasPrefix(got, "3.0.") {
		t.Errorf("snapshot is OpenAPI %q, want 3.0.x", got)
	}
	if got := docs["3.1 served"].OpenAPI; !strings.HasPrefix(got, "3.1.") {
		t.Errorf("/openapi.json is OpenAPI %q, want 3.1.x", got)
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkSecuritySchemes(t, doc)
			checkOperations(t, doc)
			checkSchemas(t, doc)
		})
	}

	// Both renderings describe the same operations with the same answers.
	ops30, ops31 := docs["3.0 snapshot"].operations(), docs["3.1 served"].operations()
	if got, want := slices.Sorted(maps.Keys(ops31)), slices.Sorted(maps.Keys(ops30)); !slices.Equal(got, want) {
		t.Errorf("3.1 operations %v, 3.0 operations %v", got, want)
	}
	for key, op := range ops30 {
		if op31 := ops31[key]; op31 != nil && !slices.Equal(op31.statuses(), op.statuses()) {
			t.Errorf("%s: 3.1 declares %v, 3.0 declares %v", key, op31.statuses(), op.statuses())
		}
	}
}

func checkSecuritySchemes(t *testing.T, doc *specDoc) {
	t.Helper()
	schemes := doc.Components.SecuritySchemes
	// An access token is a bearer token; declaring it as an OAuth2
	// password flow (as FastAPI does) also says where to get one.
	s := schemes["bearer"]
	httpBearer := s.Type == "http" && strings.EqualFold(s.Scheme, "bearer")
	oauth2 := s.Type == "oauth2" && s.Flows.Password != nil && strings.HasSuffix(s.Flows.Password.TokenURL, "/auth/token")
	if !httpBearer && !oauth2 {
		t.Errorf("security scheme bearer %+v, want http bearer or an OAuth2 password flow from /auth/token", s)
	}
	if s := schemes["cookie"]; s.Type != "apiKey" || s.In != "cookie" || s.Name == "" {
		t.Errorf("security scheme cookie %+v, want an apiKey in a cookie", s)
	}
}

func checkOperations(t *testing.T, doc *specDoc) {
	t.Helper()
	ids := map[string]string{}
	for key, op := range doc.operations() {
		if op.OperationID == "" {
			t.Errorf("%s: no operationId", key)
		}
		if other, ok := ids[op.OperationID]; ok {
			t.Errorf("%s and %s share operationId %q", key, other, op.OperationID)
		}
		ids[op.OperationID] = key

		// Authentication.
		if publicOps[op.OperationID] {
			if len(op.Security) != 0 {
				t.Errorf("%s is public but declares security %v", key, op.Security)
			}
		} else {
			if len(op.Security) == 0 {
				t.Errorf("%s declares no security requirement", key)
			}
			for _, req := range op.Security {
				for name := range req {
					if _, ok := doc.Components.SecuritySchemes[name]; !ok {
						t.Errorf("%s: security scheme %q is not defined", key, name)
					}
				}
			}
		}

		// Path parameters.
		_, path, _ := strings.Cut(key, " ")
		for _, seg := range strings.Split(path, "/") {
			name, ok := strings.CutPrefix(seg, "{")
			if !ok {
				continue
			}
			name = strings.TrimSuffix(name, "}")
			if !slices.ContainsFunc(op.Parameters, func(p specParam) bool {
				return p.In == "path" && p.Name == name && p.Required && p.Schema != nil && p.Schema.is("string")
			}) {
				t.Errorf("%s: path parameter %s not declared as a required string", key, name)
			}
		}

		// The statuses every operation of its kind can answer.
		want := []string{"500"}
		if !publicOps[op.OperationID] {
			want = append(want, "401")
		}
		if op.RequestBody != nil {
			want = append(want, "400", "408", "413", "415", "422")
		}
		if strings.HasPrefix(path, "/api/{user_id}") {
			want = append(want, "403")
		}
		if strings.Contains(path, "{task_id}") || strings.HasPrefix(path, "/api/orgs/{org_id}") {
			want = append(want, "404")
		}
		for _, st := range want {
			if _, ok := op.Responses[st]; !ok {
				t.Errorf("%s does not declare %s (it has %v)", key, st, op.statuses())
			}
		}

		// Answers: errors are problems; successes are named bodies.
		ok := 0
		for st, res := range op.Responses {
			code, err := strconv.Atoi(st)
			if err != nil {
				t.Errorf("%s: response %q is not a status", key, st)
				continue
			}
			switch {
			case code >= 400:
				if got := slices.Collect(maps.Keys(res.Content)); len(got) != 1 || got[0] != problemJSON {
					t.Errorf("%s %s: content %v, want only %s", key, st, got, problemJSON)
				} else if s := res.Content[problemJSON].Schema; s == nil || s.Ref != errorModel {
					t.Errorf("%s %s: schema %+v, want %s", key, st, s, errorModel)
				}
			case code == http.StatusNoContent:
				ok++
				if len(res.Content) != 0 {
					t.Errorf("%s 204 declares content %v", key, slices.Collect(maps.Keys(res.Content)))
				}
			case code == http.StatusNotModified:
				// A conditional read's answer (If-None-Match): no body.
				if len(res.Content) != 0 {
					t.Errorf("%s 304 declares content %v", key, slices.Collect(maps.Keys(res.Content)))
				}
			case code >= 200 && code < 300:
				ok++
				m, found := res.Content[appJSON]
				if !found || len(res.Content) != 1 {
					t.Errorf("%s %s: content %v, want only %s", key, st, slices.Collect(maps.Keys(res.Content)), appJSON)
					continue
				}
				checkNamed(t, key+" "+st, doc, m.Schema)
			default:
				t.Errorf("%s declares status %s", key, st)
			}
		}
		if ok != 1 {
			t.Errorf("%s declares %d success statuses, want 1", key, ok)
		}
		if op.RequestBody != nil {
			if !op.RequestBody.Required {
				t.Errorf("%s: request body not required", key)
			}
			for ct, m := range op.RequestBody.Content {
				checkNamed(t, key+" request "+ct, doc, m.Schema)
			}
		}
	}
}

// checkNamed fails unless s is a component schema, or a list of one: an
// anonymous body gets a name such as <OperationId>Response that collides
// with the types client generators emit.
func checkNamed(t *testing.T, what string, doc *specDoc, s *specSchema) {
	t.Helper()
	if s != nil && s.is("array") {
		s = s.Items
	}
	if s == nil || !strings.HasPrefix(s.Ref, "#/components/schemas/") {
		t.Errorf("%s: schema %+v is not a named component", what, s)
		return
	}
	if _, ok := doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]; !ok {
		t.Errorf("%s: %s is not defined", what, s.Ref)
	}
}

func checkSchemas(t *testing.T, doc *specDoc) {
	t.Helper()
	for _, name := range []string{"TaskOut", "OrgTaskOut", "UserOut", "OrgOut", "MemberOut", "TokenOut", "DeletedOut", "ErrorModel"} {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s missing", name)
		}
	}
	seen := map[string]bool{}
	for name, s := range doc.Components.Schemas {
		for _, suffix := range []string{"Response", "Request", "Body"} {
			if strings.HasSuffix(name, suffix) {
				t.Errorf("schema %s looks like an anonymous huma body", name)
			}
		}
		required := map[string]bool{}
		for _, r := range s.Required {
			required[r] = true
		}
		for prop, p := range s.Properties {
			field := name + "." + prop
			seen[field] = true
			if strings.HasSuffix(prop, "_at") && (!p.is("string") || p.Format != "date-time") {
				t.Errorf("%s: type %v format %q, want a date-time string", field, p.types(), p.Format)
			}
			// "at" alone is the time of an audit entry, the event itself
			// (issue 13 fixes the name).
			if p.Format == "date-time" && !strings.HasSuffix(prop, "_at") && prop != "at" {
				t.Errorf("%s is a date-time not named *_at", field)
			}
			if got, want := p.nullable(), nullableFields[field]; got != want {
				t.Errorf("%s: nullable %v, want %v", field, got, want)
			}
			if strings.HasSuffix(name, "Out") && !required[prop] {
				t.Errorf("%s is not required: the server always sends it", field)
			}
		}
	}
	for field := range nullableFields {
		if !seen[field] {
			t.Errorf("%s: no such property", field)
		}
	}
}
