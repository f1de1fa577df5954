package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
)

// errDriver stands for what a driver says when something breaks.
var errDriver = errors.New(`pq: relation "tasks" does not exist`)

// brokenReads fails every tenant read with a driver error.
type brokenReads struct{ tenantry.Store }

func (brokenReads) View(context.Context, uuid.UUID, uuid.UUID, func(tenantry.TenantAccess) error) error {
	return errDriver
}

// brokenTokens fails every token check with a driver error.
type brokenTokens struct{ tenantry.Store }

func (brokenTokens) TokenUser(context.Context, uuid.UUID, string) (tenantry.User, bool, error) {
	return tenantry.User{}, false, errDriver
}

// TestUnknownErrorLoggedOnce: an error the server does not know, from an
// operation or from the authentication middleware, is answered as the
// generic 500 without its text and logged exactly once, with the request id.
func TestUnknownErrorLoggedOnce(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	for _, tc := range []struct {
		name  string
		store tenantry.Store
	}{
		{"operation", brokenReads{db}},
		{"middleware", brokenTokens{db}},
	} {
		h := authztest.NewHarness(t, tc.store)
		u := h.NewUser(tc.name + "@example.com")
		id := "rid-" + tc.name
		res := h.Do("GET", "/api/"+u.ID.String()+"/tasks", nil, authztest.Bearer(h.Token(u)), authztest.Header("X-Request-Id", id))
		if res.Status != 500 {
			t.Fatalf("%s: status %d, want 500: %s", tc.name, res.Status, res.Body)
		}
		var p struct{ Detail string }
		if err := json.Unmarshal(res.Body, &p); err != nil || p.Detail != "Internal server error" {
			t.Errorf("%s: detail %q, want the generic one: %s", tc.name, p.Detail, res.Body)
		}
		if strings.Contains(string(res.Body), "relation") {
			t.Errorf("%s: the driver's text reached the client: %s", tc.name, res.Body)
		}
		n := 0
		for _, rec := range logRecords(t, h.Logs.String()) {
			if rec["level"] != "ERROR" {
				continue
			}
			n++
			if rec["request_id"] != id || rec["error"] != errDriver.Error() {
				t.Errorf("%s: logged without the request id or the error: %v", tc.name, rec)
			}
		}
		if n != 1 {
			t.Errorf("%s: %d error lines, want 1:\n%s", tc.name, n, h.Logs.String())
		}
	}
}

// TestAssigneeAnswer: the store's assignee rule is answered as the seed
// answered it, byte for byte.
func TestAssigneeAnswer(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	w := authztest.NewWorld(t, h)
	res := h.Do("POST", "/api/orgs/"+w.OrgA.ID.String()+"/tasks", map[string]any{"title": "t", "assigned_user_id": w.Eve.ID},
		authztest.Bearer(h.Token(w.Alice)))
	if got, want := string(res.Body), `{"title":"Unprocessable Entity","status":422,"detail":"assigned_user_id must be a member of the organization","instance":"urn:request:authztest"}`+"\n"; got != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
}
