package client_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tenantry/tenantry/client"
	"github.com/tenantry/tenantry/internal/server"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// mustServer serves Tenantry over a fresh SQLite database on a loopback
// port until the test ends.
func mustServer(t *testing.T) *httptest.Server {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "tenantry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	h, err := server.New(server.Config{Store: db, Secret: []byte("client-test-secret-00-0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// mustClient is a generated client of srv whose every answer is held to
// the document (see checking); opts add credentials.
func mustClient(t *testing.T, srv *httptest.Server, opts ...client.ClientOption) *client.ClientWithResponses {
	t.Helper()
	opts = append([]client.ClientOption{client.WithHTTPClient(checkingClient(t, srv, nil))}, opts...)
	c, err := client.NewClientWithResponses(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// checkingClient is an HTTP client of srv, with jar if not nil, that checks
// every answer against openapi.json.
func checkingClient(t *testing.T, srv *httptest.Server, jar http.CookieJar) *http.Client {
	t.Helper()
	doc := parseSpec(t, readFile(t, "openapi.json"))
	return &http.Client{
		Jar:       jar,
		Transport: &checking{t: t, doc: doc, routes: doc.routes(), next: srv.Client().Transport},
	}
}

// bearer presents an access token on every request.
func bearer(token string) client.ClientOption {
	return client.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	})
}

// fetch GETs path from srv and returns the body.
func fetch(t *testing.T, srv *httptest.Server, path string) []byte {
	t.Helper()
	res, err := srv.Client().Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, res.Status)
	}
	return b
}

// readFile reads a file of this package's directory.
func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkTime fails unless ts is a UTC instant (the document promises RFC
// 3339 with a Z zone) within a minute of now.
func checkTime(t *testing.T, what string, ts time.Time) {
	t.Helper()
	if ts.Location() != time.UTC {
		t.Errorf("%s %v: zone %v, want UTC", what, ts, ts.Location())
	}
	if d := time.Since(ts); d < -time.Minute || d > time.Minute {
		t.Errorf("%s %v is %v from now", what, ts, d)
	}
}
