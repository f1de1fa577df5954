package server_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/authztest"
)

// spellings returns the other ways uuid.Parse reads id, one with braces
// that are not braces.
func spellings(id uuid.UUID) map[string]string {
	s := id.String()
	return map[string]string{
		"braced":            "{" + s + "}",
		"false braces":      "x" + s + "y",
		"urn":               "urn:uuid:" + s,
		"no dashes":         strings.ReplaceAll(s, "-", ""),
		"braced upper case": "{" + strings.ToUpper(s) + "}",
	}
}

// TestPathIDsCanonical: a path id in any form but the 36-character one
// names nothing (404, or 403 for a personal path), and a Link header never
// copies the client's spelling.
func TestPathIDsCanonical(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	w := authztest.NewWorld(t, h)
	tok := authztest.Bearer(h.Token(w.Alice))
	for name, id := range spellings(w.Alice.ID) {
		if res := h.Do("GET", "/api/"+id+"/tasks?limit=1", nil, tok); res.Status != 403 {
			t.Errorf("personal path, %s: %d, want 403: %s %v", name, res.Status, res.Body, res.Header["Link"])
		}
	}
	for name, id := range spellings(w.OrgA.ID) {
		if res := h.Do("GET", "/api/orgs/"+id+"/tasks?limit=1", nil, tok); res.Status != 404 {
			t.Errorf("org path, %s: %d, want 404: %s %v", name, res.Status, res.Body, res.Header["Link"])
		}
		if res := h.Do("GET", "/api/orgs/"+id, nil, tok); res.Status != 404 {
			t.Errorf("org, %s: %d, want 404", name, res.Status)
		}
	}
	for name, id := range spellings(w.AliceTask.ID) {
		if res := h.Do("GET", "/api/"+w.Alice.ID.String()+"/tasks/"+id, nil, tok); res.Status != 404 {
			t.Errorf("task, %s: %d, want 404", name, res.Status)
		}
	}
	for name, id := range spellings(w.OrgATask.ID) {
		if res := h.Do("GET", "/api/orgs/"+w.OrgA.ID.String()+"/tasks/"+id, nil, tok); res.Status != 404 {
			t.Errorf("org task, %s: %d, want 404", name, res.Status)
		}
	}
	for name, id := range spellings(w.Mia.ID) {
		if res := h.Do("PATCH", "/api/orgs/"+w.OrgA.ID.String()+"/members/"+id, `{"role":"admin"}`, tok); res.Status != 404 {
			t.Errorf("member, %s: %d, want 404", name, res.Status)
		}
	}
	// Upper case is the same UUID in its 36-character form; the Link
	// still names it canonically.
	for path, want := range map[string]string{
		"/api/" + strings.ToUpper(w.Alice.ID.String()) + "/tasks?limit=1":     "</api/" + w.Alice.ID.String() + "/tasks?",
		"/api/orgs/" + strings.ToUpper(w.OrgA.ID.String()) + "/tasks?limit=1": "</api/orgs/" + w.OrgA.ID.String() + "/tasks?",
	} {
		res := h.Do("GET", path, nil, tok)
		if link := res.Header.Get("Link"); res.Status != 200 || !strings.HasPrefix(link, want) {
			t.Errorf("GET %s: %d, Link %q, want it to start %q", path, res.Status, link, want)
		}
	}
}
