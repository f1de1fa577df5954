package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

// newDocsServer serves the API on a loopback listener for a browser or a
// plain HTTP client.
// wrap, if given, sees every request first.
func newDocsServer(t *testing.T, wrap ...func(http.Handler) http.Handler) *httptest.Server {
	t.Helper()
	h, err := server.New(server.Config{Store: openSQLite(t), Secret: []byte(strings.Repeat("s", 32))})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range wrap {
		h = w(h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestDocsServedFromTheBinary checks that the docs page and every file it
// names come from the server itself, each under the page's CSP, and that
// the page names nothing on another host.
func TestDocsServedFromTheBinary(t *testing.T) {
	t.Parallel()
	srv := newDocsServer(t)
	get := func(path string, gzip bool) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if !gzip {
			req.Header.Set("Accept-Encoding", "identity")
		}
		res, err := srv.Client().Transport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if _, err := io.Copy(io.Discard, res.Body); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return res
	}
	page := authztest.NewHarness(t, openSQLite(t)).Do("GET", "/docs", nil)
	if page.Status != 200 {
		t.Fatalf("GET /docs: %d", page.Status)
	}
	if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).FindString(string(page.Body)); m != "" {
		t.Errorf("the page loads from another host: %s", m)
	}
	refs := regexp.MustCompile(`(?:src|href)="(/docs/[^"]+)"`).FindAllStringSubmatch(string(page.Body), -1)
	if len(refs) < 4 {
		t.Fatalf("the page names %d files of its own, want the script, styles and icons", len(refs))
	}
	wantType := map[string]string{".js": "javascript", ".css": "text/css", ".png": "image/png"}
	for _, ref := range append(refs, []string{"", "/docs"}, []string{"", "/docs/"}) {
		for _, gz := range []bool{true, false} {
			res := get(ref[1], gz)
			if res.StatusCode != 200 {
				t.Errorf("GET %s (gzip %v): %d", ref[1], gz, res.StatusCode)
				continue
			}
			if got := res.Header.Get("Content-Security-Policy"); !strings.Contains(got, "script-src 'self';") || strings.Contains(got, "unsafe") {
				t.Errorf("GET %s: CSP %q", ref[1], got)
			}
			want := "text/html"
			for ext, ct := range wantType {
				if strings.HasSuffix(ref[1], ext) {
					want = ct
				}
			}
			if got := res.Header.Get("Content-Type"); !strings.Contains(got, want) {
				t.Errorf("GET %s: Content-Type %q, want %s", ref[1], got, want)
			}
			if enc := res.Header.Get("Content-Encoding"); !gz && enc != "" {
				t.Errorf("GET %s without gzip: Content-Encoding %q", ref[1], enc)
			}
		}
	}
	for _, path := range []string{"/docs/nope.js", "/docs/oauth2-redirect.html", "/docs/swagger-ui.js.gz"} {
		if res := get(path, true); res.StatusCode != 404 {
			t.Errorf("GET %s: %d, want 404", path, res.StatusCode)
		}
	}
}
