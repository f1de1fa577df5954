package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

const appOrigin = "https://app.example"

// corsServer serves the API over HTTP with CORS for origins.
func corsServer(t *testing.T, origins ...string) (*authztest.Harness, *httptest.Server) {
	t.Helper()
	h := authztest.NewHarness(t, openSQLite(t), func(c *server.Config) { c.CORSOrigins = origins })
	srv := httptest.NewServer(h.Handler)
	t.Cleanup(srv.Close)
	return h, srv
}

// send makes one request over the wire, as curl would, with headers given
// as name, value pairs.
func send(t *testing.T, srv *httptest.Server, method, path, body string, kv ...string) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// list splits a comma-separated header into lower-case names.
func list(h string) []string {
	var out []string
	for _, v := range strings.Split(h, ",") {
		if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func TestCORSOffByDefault(t *testing.T) {
	t.Parallel()
	h, srv := corsServer(t)
	u := h.NewUser("nocors@example.com")
	res := send(t, srv, "OPTIONS", "/api/"+u.ID.String()+"/tasks", "",
		"Origin", appOrigin, "Access-Control-Request-Method", "POST")
	if res.StatusCode != 405 || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight without CORS: %d %v", res.StatusCode, res.Header)
	}
	res = send(t, srv, "GET", "/api/"+u.ID.String()+"/tasks", "", "Origin", appOrigin, "Authorization", "Bearer "+h.Token(u))
	if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from another origin without CORS: %d %v", res.StatusCode, res.Header)
	}
	// And a cookie write from that origin is refused, as before.
	cookie := authztest.CookieName + "=" + h.Session(u)
	res = send(t, srv, "POST", "/api/"+u.ID.String()+"/tasks", `{"title":"x"}`, "Content-Type", "application/json",
		"Cookie", cookie, "Origin", appOrigin, "Sec-Fetch-Site", "cross-site")
	if res.StatusCode != 403 {
		t.Errorf("cookie write from an unlisted origin without CORS: %d", res.StatusCode)
	}
}

func TestCORSListedOrigin(t *testing.T) {
	t.Parallel()
	h, srv := corsServer(t, appOrigin, "http://localhost:3000")
	u := h.NewUser("cors@example.com")
	tasks := "/api/" + u.ID.String() + "/tasks"

	// Preflight of a JSON write with a bearer token.
	res := send(t, srv, "OPTIONS", tasks, "", "Origin", appOrigin, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "authorization,content-type,x-request-id", "X-Request-Id", "pre-1")
	if res.StatusCode != 204 {
		t.Fatalf("preflight: %d", res.StatusCode)
	}
	if got := res.Header.Get("Access-Control-Allow-Origin"); got != appOrigin {
		t.Errorf("preflight Allow-Origin %q", got)
	}
	if got := res.Header.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("preflight Allow-Credentials %q", got)
	}
	if got := list(res.Header.Get("Access-Control-Allow-Methods")); !slices.Contains(got, "post") {
		t.Errorf("preflight Allow-Methods %v", got)
	}
	if got := list(res.Header.Get("Access-Control-Allow-Headers")); !slices.Contains(got, "authorization") ||
		!slices.Contains(got, "content-type") || !slices.Contains(got, "x-request-id") {
		t.Errorf("preflight Allow-Headers %v", got)
	}
	if got := res.Header.Get("Access-Control-Max-Age"); got != "600" {
		t.Errorf("preflight Max-Age %q", got)
	}
	if got := res.Header.Get("X-Request-Id"); got != "pre-1" {
		t.Errorf("preflight X-Request-Id %q", got)
	}

	// A header the API does not take is not allowed.
	res = send(t, srv, "OPTIONS", tasks, "", "Origin", appOrigin, "Access-Control-Request-Method", "POST",
		"Access-Control-Request-Headers", "x-evil")
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight with an unknown header allowed: %v", res.Header)
	}

	// The actual request: readable, with credentials, headers exposed.
	res = send(t, srv, "POST", tasks, `{"title":"from the app"}`, "Origin", appOrigin,
		"Content-Type", "application/json", "Authorization", "Bearer "+h.Token(u))
	if res.StatusCode != 201 || res.Header.Get("Access-Control-Allow-Origin") != appOrigin ||
		res.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("write from the listed origin: %d %v", res.StatusCode, res.Header)
	}
	exposed := list(res.Header.Get("Access-Control-Expose-Headers"))
	for _, want := range []string{"link", "retry-after", "x-request-id", "www-authenticate"} {
		if !slices.Contains(exposed, want) {
			t.Errorf("%s not exposed: %v", want, exposed)
		}
	}
	if !slices.Contains(res.Header.Values("Vary"), "Origin") {
		t.Errorf("Vary %v lacks Origin", res.Header.Values("Vary"))
	}
	// A 401 is readable too (the page must learn to sign in again).
	res = send(t, srv, "GET", "/auth/me", "", "Origin", appOrigin)
	if res.StatusCode != 401 || res.Header.Get("Access-Control-Allow-Origin") != appOrigin {
		t.Errorf("401 to the listed origin: %d %v", res.StatusCode, res.Header)
	}

	// Cookie-authenticated writes from the listed origin pass the
	// cross-origin check; from any other, they are still refused.
	cookie := authztest.CookieName + "=" + h.Session(u)
	res = send(t, srv, "POST", tasks, `{"title":"by cookie"}`, "Content-Type", "application/json",
		"Cookie", cookie, "Origin", appOrigin, "Sec-Fetch-Site", "same-site")
	if res.StatusCode != 201 {
		t.Errorf("cookie write from the listed origin: %d", res.StatusCode)
	}
	res = send(t, srv, "POST", tasks, `{"title":"by cookie"}`, "Content-Type", "application/json",
		"Cookie", cookie, "Origin", "http://localhost:3000")
	if res.StatusCode != 201 {
		t.Errorf("cookie write from the second listed origin: %d", res.StatusCode)
	}
	for _, evil := range []string{"https://evil.example", "https://app.example.evil", "http://app.example", "https://app.example:8443", "null"} {
		res = send(t, srv, "POST", tasks, `{"title":"forged"}`, "Content-Type", "application/json",
			"Cookie", cookie, "Origin", evil, "Sec-Fetch-Site", "cross-site")
		if res.StatusCode != 403 || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("cookie write from %s: %d %v", evil, res.StatusCode, res.Header)
		}
		res = send(t, srv, "OPTIONS", tasks, "", "Origin", evil, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "content-type")
		if res.Header.Get("Access-Control-Allow-Origin") != "" || res.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight from %s allowed: %v", evil, res.Header)
		}
		res = send(t, srv, "GET", tasks, "", "Origin", evil, "Authorization", "Bearer "+h.Token(u))
		if res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("GET from %s readable: %v", evil, res.Header)
		}
	}
}

func TestCORSOriginsChecked(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"*", "https://*.example", "null", "app.example", "https://app.example/",
		"https://app.example/path", "https://App.example", "HTTPS://app.example", "https://app.example:443",
		"http://app.example:80", "https://user@app.example", "https://app.example?x=1", "ftp://app.example", "https://"} {
		if _, err := server.ParseCORSOrigins(bad); err == nil {
			t.Errorf("ParseCORSOrigins(%q) accepted", bad)
		}
		_, err := server.New(server.Config{Store: openSQLite(t), Secret: []byte(authztest.Secret), CORSOrigins: []string{bad}})
		if err == nil {
			t.Errorf("server.New with CORS origin %q accepted", bad)
		}
	}
	got, err := server.ParseCORSOrigins(" https://app.example, http://localhost:3000 ,https://[::1]:8443,")
	if want := []string{"https://app.example", "http://localhost:3000", "https://[::1]:8443"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseCORSOrigins = %q, %v; want %q", got, err, want)
	}
	if got, err := server.ParseCORSOrigins(""); err != nil || got != nil {
		t.Errorf("ParseCORSOrigins(\"\") = %q, %v", got, err)
	}
}
