package client_test

import (
	"bytes"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tenantry/tenantry/client"
)

// probe is one request sent to every documented operation.
type probe struct {
	name   string
	token  bool              // present the caller's access token
	ids    map[string]string // path parameters that differ from the defaults
	ctype  string            // request content type
	body   string            // request body
	always bool              // send the body with GET and DELETE too
	query  string            // raw query
	header map[string]string // more request headers
	status int               // the status it must get, or 0 for any declared one
}

// TestRoutesAnswered holds the document to what the server does: every
// documented operation is routed (never a 404 or 405 from the mux), every
// answer to a set of probes has a status the operation declares, with the
// content type and body schema declared for it, and methods and paths the
// document does not name are refused.
func TestRoutesAnswered(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := mustServer(t)
	doc := parseSpec(t, readFile(t, "openapi.json"))
	anon := mustClient(t, srv)

	// signUp registers an account and returns its id and access token.
	signUp := func(email string) (uuid.UUID, string) {
		t.Helper()
		reg, err := anon.RegisterWithResponse(ctx, client.RegisterIn{Email: openapi_types.Email(email), Password: "password-1"})
		must(t, "register", reg, err, http.StatusCreated)
		tok, err := anon.TokenWithFormdataBodyWithResponse(ctx, client.TokenForm{Username: email, Password: "password-1"})
		must(t, "token", tok, err, http.StatusOK)
		return reg.JSON201.Id, tok.JSON200.AccessToken
	}
	aliceID, aliceTok := signUp("alice@example.com")
	bobID, _ := signUp("bob@example.com")
	org, err := mustClient(t, srv, bearer(aliceTok)).CreateOrgWithResponse(ctx, nil, client.OrgIn{Name: "Acme"})
	must(t, "create org", org, err, http.StatusCreated)
	defaults := map[string]string{
		"user_id": aliceID.String(), "org_id": org.JSON201.Id.String(), "task_id": uuid.NewString(),
	}
	probes := []probe{
		{name: "no credentials", status: http.StatusUnauthorized},
		{name: "valid token", token: true, ctype: appJSON, body: `{}`},
		{name: "another user's path", token: true, ids: map[string]string{"user_id": bobID.String()}, ctype: appJSON, body: `{"title":"x"}`},
		{name: "unknown ids", token: true, ids: map[string]string{"org_id": uuid.NewString(), "task_id": uuid.NewString()}, ctype: appJSON, body: `{"title":"x","name":"x","role":"member"}`},
		{name: "ids that are not UUIDs", token: true, ids: map[string]string{"user_id": "x", "org_id": "x", "task_id": "x"}},
		{name: "malformed JSON", token: true, ctype: appJSON, body: `{"title":`},
		{name: "unknown field", token: true, ctype: appJSON, body: `{"tenant_id":"x"}`},
		{name: "text body", token: true, ctype: "text/plain", body: "hello"},
		{name: "body over 1 MiB", token: true, ctype: appJSON, body: `{"title":"` + strings.Repeat("x", 1<<20) + `"}`, always: true},
		{name: "bad query", token: true, query: "limit=abc&completed=maybe&after=x"},
		{name: "huge limit", token: true, query: "limit=99999999999999999999"},
		{name: "cross-origin", token: true, ctype: appJSON, body: `{}`, header: map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}},
		{name: "bad token", header: map[string]string{"Authorization": "Bearer x.y.z"}},
		{name: "unknown cookie", header: map[string]string{"Cookie": "tenantry_session=nothing"}},
	}

	// Sign-out and account deletion end the credential: give them their own.
	ops := doc.operations()
	sent := 0
	for _, key := range slices.Sorted(maps.Keys(ops)) {
		op := ops[key]
		method, path, _ := strings.Cut(key, " ")
		token := aliceTok
		if op.OperationID == "logout" || op.OperationID == "deleteMe" || op.OperationID == "changePassword" {
			_, token = signUp(op.OperationID + "@example.com")
		}
		for _, p := range probes {
			if p.status == http.StatusUnauthorized && publicOps[op.OperationID] {
				continue
			}
			if op.OperationID == "deleteMe" && p.token && p.name != "valid token" {
				continue // the first answered probe deletes the account
			}
			target := fill(path, defaults, p.ids)
			for _, slash := range []string{"", "/"} {
				if slash == "/" && p.name != "no credentials" && p.name != "valid token" {
					continue
				}
				if slash == "/" && op.OperationID == "deleteMe" {
					continue
				}
				tok := ""
				if p.token {
					tok = token
				}
				body, ctype := p.body, p.ctype
				if (method == http.MethodGet || method == http.MethodDelete) && !p.always {
					body, ctype = "", ""
				}
				if op.OperationID == "token" && ctype == appJSON {
					ctype = "application/x-www-form-urlencoded"
				}
				u := srv.URL + target + slash
				if p.query != "" {
					u += "?" + p.query
				}
				res, got := send(t, srv.Client(), method, u, tok, ctype, body, p.header)
				sent++
				what := key + " (" + p.name + slash + ")"
				if p.status != 0 && res.StatusCode != p.status {
					t.Errorf("%s: status %d, want %d; body %.200s", what, res.StatusCode, p.status, got)
				}
				if res.StatusCode == http.StatusNotFound || res.StatusCode == http.StatusMethodNotAllowed {
					if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, problemJSON) {
						t.Errorf("%s: %d %s from the router, not the operation: %.200s", what, res.StatusCode, ct, got)
						continue
					}
				}
				checkAnswer(t, what, doc, op, res, got)
			}
		}
	}

	t.Logf("%d probes of %d operations", sent, len(ops))

	// Methods the document does not name on documented paths.
	for path, byMethod := range doc.Paths {
		target := fill(path, defaults, nil)
		documented := []string{}
		for m := range byMethod {
			documented = append(documented, strings.ToUpper(m))
		}
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodTrace} {
			if slices.Contains(documented, m) {
				continue
			}
			res, _ := send(t, srv.Client(), m, srv.URL+target, aliceTok, "", "", nil)
			if got, want := res.StatusCode, http.StatusMethodNotAllowed; got != want {
				t.Errorf("%s %s (undocumented): status %d, want %d", m, path, got, want)
			}
			allow := strings.Split(res.Header.Get("Allow"), ", ")
			allow = slices.DeleteFunc(allow, func(m string) bool { return m == http.MethodHead })
			slices.Sort(allow)
			slices.Sort(documented)
			if !slices.Equal(allow, documented) {
				t.Errorf("%s: Allow %v, documented %v", path, allow, documented)
			}
		}
	}

	// Paths the document does not name.
	for _, path := range []string{
		"/api", "/api/orgs/{org_id}/nothing", "/api/{user_id}", "/api/{user_id}/tasks/{task_id}/more",
		"/api/{user_id}/orgs", "/auth", "/auth/nothing", "/metrics", "/debug/pprof/",
	} {
		for _, m := range []string{http.MethodGet, http.MethodPost} {
			res, got := send(t, srv.Client(), m, srv.URL+fill(path, defaults, nil), aliceTok, "", "", nil)
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("%s %s (undocumented): status %d, want 404; body %.200s", m, path, res.StatusCode, got)
			}
		}
	}

	// The documentation and the web interface are served but not described.
	for _, path := range []string{"/openapi.json", "/openapi-3.0.json", "/openapi.yaml", "/docs", "/", "/signin"} {
		fetch(t, srv, path)
	}
}

// fill puts ids into a path template, override first.
func fill(path string, defaults, override map[string]string) string {
	for name, v := range defaults {
		if o, ok := override[name]; ok {
			v = o
		}
		path = strings.ReplaceAll(path, "{"+name+"}", url.PathEscape(v))
	}
	return path
}

// send makes one raw request and returns the answer and its body.
func send(t *testing.T, c *http.Client, method, target, token, ctype, body string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, target, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}
