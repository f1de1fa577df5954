// Command gen writes the OpenAPI 3.0 document that Tenantry's server serves
// at /openapi-3.0.json to openapi.json in the current directory, the input of
// the generated client. Run it through go generate ./client.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/tenantry/tenantry/internal/server"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// SpecPath is where the server serves the document the client is built from:
// oapi-codegen reads OpenAPI 3.0, and huma serves a 3.0 rendering of its 3.1
// document there.
const SpecPath = "/openapi-3.0.json"

func main() {
	out := "openapi.json"
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	if err := run(context.Background(), out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string) (err error) {
	dir, err := os.MkdirTemp("", "tenantry-client-gen")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sqlite.Open(ctx, filepath.Join(dir, "tenantry.db"))
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, db.Close()) }()
	h, err := server.New(server.Config{Store: db, Secret: []byte(rand.Text() + rand.Text())})
	if err != nil {
		return err
	}
	req := httptest.NewRequestWithContext(ctx, http.MethodGet, SpecPath, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", SpecPath, res.Status)
	}
	return os.WriteFile(out, b, 0o644)
}
