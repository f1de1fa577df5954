package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/authztest"
)

// TestOverRealHTTP drives the handler through a real server and client: a
// streamed body with no Content-Length over the limit, and a task's life.
func TestOverRealHTTP(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	srv := httptest.NewServer(h.Handler)
	t.Cleanup(srv.Close)
	c := srv.Client()

	do := func(method, path, ctype, token string, body io.Reader) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
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
	res, b := do("POST", "/auth/register", "application/json", "", strings.NewReader(`{"email":"real@example.com","password":"password-1"}`))
	if res.StatusCode != 201 {
		t.Fatalf("register: %d %s\nlog: %s", res.StatusCode, b, h.Logs.String())
	}
	var u struct{ ID string }
	json.Unmarshal(b, &u)
	res, b = do("POST", "/auth/token", "application/x-www-form-urlencoded", "",
		strings.NewReader(url.Values{"username": {"real@example.com"}, "password": {"password-1"}}.Encode()))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal(b, &tok)
	if res.StatusCode != 200 || tok.AccessToken == "" {
		t.Fatalf("token: %d %s", res.StatusCode, b)
	}
	tasks := "/api/" + u.ID + "/tasks/"
	// io.MultiReader hides the length: the body is sent chunked.
	big := io.MultiReader(strings.NewReader(`{"title":"a","description":"`), strings.NewReader(strings.Repeat("x", 2<<20)), strings.NewReader(`"}`))
	res, b = do("POST", tasks, "application/json", tok.AccessToken, big)
	if res.StatusCode != 413 || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("chunked 2 MiB body: %d %s", res.StatusCode, b)
	}
	res, b = do("POST", tasks, "application/json", tok.AccessToken, strings.NewReader(`{"title":"over the wire"}`))
	var task struct{ ID, Title string }
	json.Unmarshal(b, &task)
	if res.StatusCode != 201 || task.Title != "over the wire" {
		t.Fatalf("create: %d %s", res.StatusCode, b)
	}
	for _, step := range []struct {
		method, body string
		status       int
	}{
		{"GET", "", 200},
		{"PUT", `{"title":"replaced","description":"d","completed":true}`, 200},
		{"PATCH", `{"title":"patched"}`, 200},
		{"DELETE", "", 204},
		{"GET", "", 404},
	} {
		var body io.Reader
		if step.body != "" {
			body = strings.NewReader(step.body)
		}
		res, b = do(step.method, tasks+task.ID, "application/json", tok.AccessToken, body)
		if res.StatusCode != step.status {
			t.Fatalf("%s task: %d, want %d: %s", step.method, res.StatusCode, step.status, b)
		}
	}
}
