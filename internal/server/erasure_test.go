package server_test

import (
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/authztest"
)

// TestErasureNamesTheOrganization: the last owner of an organization with
// other members is told which one to hand over; once another owner exists,
// the account goes, with its API tokens.
func TestErasureNamesTheOrganization(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	w := authztest.NewWorld(t, h)
	alice := authztest.Bearer(h.Token(w.Alice))
	res := h.Do("DELETE", "/auth/me", map[string]any{"password": authztest.Password}, alice)
	if p := res.Problem(t); res.Status != 409 || !strings.Contains(p.Detail, w.OrgA.Name) {
		t.Fatalf("delete as the last owner: %d %q, want 409 naming %q", res.Status, p.Detail, w.OrgA.Name)
	}
	if res := h.Do("PATCH", "/api/orgs/"+w.OrgA.ID.String()+"/members/"+w.Adam.ID.String(), map[string]any{"role": "owner"}, alice); res.Status != 200 {
		t.Fatalf("promote adam: %d %s", res.Status, res.Body)
	}
	if res := h.Do("DELETE", "/auth/me", map[string]any{"password": authztest.Password}, alice); res.Status != 204 {
		t.Fatalf("delete: %d %s", res.Status, res.Body)
	}
	if res := h.Do("GET", "/api/orgs/"+w.OrgA.ID.String()+"/tasks", nil, authztest.Bearer(w.ReadToken)); res.Status != 401 {
		t.Errorf("the erased user's API token: %d, want 401", res.Status)
	}
}
