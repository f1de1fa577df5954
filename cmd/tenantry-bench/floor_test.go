package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/auth"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestFloorRunsTheContextCall checks that the floor (-floor) does what it
// stands for: as the application role, under row-level security, its
// statements see a tenant's rows only because tenant_context ran in front
// of them, and a tenant nobody is a member of gets nothing.
func TestFloorRunsTheContextCall(t *testing.T) {
	t.Parallel()
	pdb := postgrestest.NewDatabase(t)
	ctx := context.Background()
	store, err := postgres.Open(ctx, pdb.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := auth.HashPassword(benchPassword)
	if err != nil {
		t.Fatal(err)
	}
	data, err := seed(ctx, store, hash, 0, 2, 3, 1, io.Discard)
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	a, b := data[0], data[1]

	serve := func(withContext bool) *httptest.Server {
		h, cleanup, err := baselineHandler(ctx, childSpec{Kind: "baseline", Engine: "postgres", DSN: pdb.AppURL, Context: withContext})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(func() { srv.Close(); _ = cleanup() })
		return srv
	}
	do := func(srv *httptest.Server, method, path, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	floor, plain := serve(true), serve(false)

	// Without the context call, row-level security shows the application
	// role nothing.
	if code, _ := do(plain, "GET", "/b/"+a.UserID.String()+"/tasks/"+a.Tasks[0].String(), ""); code != http.StatusNotFound {
		t.Fatalf("plain baseline as the application role: status %d, want 404", code)
	}

	code, body := do(floor, "GET", "/b/"+a.UserID.String()+"/tasks/"+a.Tasks[0].String(), "")
	var got baseTask
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || got.ID != a.Tasks[0] || got.TenantID != a.UserID {
		t.Fatalf("floor get: status %d, body %s", code, body)
	}
	code, body = do(floor, "GET", "/b/"+b.UserID.String()+"/tasks?limit=50", "")
	var list []baseTask
	if code != http.StatusOK || json.Unmarshal(body, &list) != nil || len(list) != len(b.Tasks) {
		t.Fatalf("floor list: status %d, body %s", code, body)
	}
	for _, task := range list {
		if task.TenantID != b.UserID {
			t.Fatalf("floor list of B holds a task of tenant %s", task.TenantID)
		}
	}
	// A tenant nobody is a member of: tenant_context refuses, nothing is read.
	if code, _ := do(floor, "GET", "/b/"+uuid.New().String()+"/tasks?limit=50", ""); code == http.StatusOK {
		t.Fatal("floor list of an unknown tenant: status 200")
	}

	// Writes go through the context call too: a create, then a replace.
	code, body = do(floor, "POST", "/b/"+a.UserID.String()+"/tasks", createBody)
	if code != http.StatusCreated || json.Unmarshal(body, &got) != nil || got.TenantID != a.UserID {
		t.Fatalf("floor create: status %d, body %s", code, body)
	}
	code, body = do(floor, "PUT", "/b/"+a.UserID.String()+"/tasks/"+got.ID.String(), updateBody1)
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil || !got.Completed || got.Title != "Updated by the load benchmark" {
		t.Fatalf("floor replace: status %d, body %s", code, body)
	}
}
