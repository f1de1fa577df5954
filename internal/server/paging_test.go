package server_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
)

// nextPath is the path and query a Link header's rel="next" points at, or "".
func nextPath(t *testing.T, link string) string {
	t.Helper()
	if link == "" {
		return ""
	}
	m := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(link)
	if m == nil {
		t.Fatalf("Link %q is not one rel=next link", link)
	}
	return m[1]
}

// follow reads every page of the list at path, following its Link headers,
// and returns each item's key field.
func follow(t *testing.T, h *authztest.Harness, path, key string, opts ...authztest.Opt) (ids []string, pages int) {
	t.Helper()
	for path != "" {
		if pages++; pages > 20 {
			t.Fatalf("more than 20 pages at %s", path)
		}
		res := h.Do("GET", path, nil, opts...)
		if res.Status != 200 {
			t.Fatalf("GET %s: status %d: %s", path, res.Status, res.Body)
		}
		var items []map[string]any
		res.JSON(t, &items)
		for _, it := range items {
			ids = append(ids, fmt.Sprint(it[key]))
		}
		path = nextPath(t, res.Header.Get("Link"))
	}
	return ids, pages
}

// TestOrgsAndMembersPage: GET /api/orgs and GET /api/orgs/{org_id}/members
// page as the task lists do: limit, after, and a Link to the next page.
func TestOrgsAndMembersPage(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		register(t, h, "owner@example.com", "password-1")
		owner := authztest.Bearer(token(t, h, "owner@example.com", "password-1"))
		register(t, h, "other@example.com", "password-2")
		other := authztest.Bearer(token(t, h, "other@example.com", "password-2"))
		h.Do("POST", "/api/orgs", map[string]string{"name": "not the owner's"}, other)

		var orgIDs []string
		for i := range 5 {
			res := h.Do("POST", "/api/orgs", map[string]string{"name": fmt.Sprintf("org %d", i)}, owner)
			if res.Status != 201 {
				t.Fatalf("create org: %d %s", res.Status, res.Body)
			}
			var o struct{ ID string }
			res.JSON(t, &o)
			orgIDs = append(orgIDs, o.ID)
		}
		got, pages := follow(t, h, "/api/orgs?limit=2", "id", owner)
		if fmt.Sprint(got) != fmt.Sprint(orgIDs) || pages != 3 {
			t.Errorf("orgs by pages of 2: %v in %d pages, want %v in 3", got, pages, orgIDs)
		}
		all, pages := follow(t, h, "/api/orgs", "id", owner)
		if fmt.Sprint(all) != fmt.Sprint(orgIDs) || pages != 1 {
			t.Errorf("orgs in one page: %v in %d pages, want %v in 1", all, pages, orgIDs)
		}
		res := h.Do("GET", "/api/orgs?limit=5", nil, owner)
		if got, want := nextPath(t, res.Header.Get("Link")), "/api/orgs?after="+orgIDs[4]+"&limit=5"; got != want {
			t.Errorf("Link of a full page: %q, want %q", got, want)
		}

		org := orgIDs[0]
		emails := []string{"owner@example.com"}
		for i := range 4 {
			e := fmt.Sprintf("m%d@example.com", i)
			register(t, h, e, "password-3")
			if res := h.Do("POST", "/api/orgs/"+org+"/members", map[string]string{"email": e, "role": "member"}, owner); res.Status != 201 {
				t.Fatalf("add member: %d %s", res.Status, res.Body)
			}
			emails = append(emails, e)
		}
		got, pages = follow(t, h, "/api/orgs/"+org+"/members?limit=2", "email", owner)
		if fmt.Sprint(got) != fmt.Sprint(emails) || pages != 3 {
			t.Errorf("members by pages of 2: %v in %d pages, want %v in 3", got, pages, emails)
		}
		res = h.Do("GET", "/api/orgs/"+org+"/members?limit=2", nil, owner)
		if link := nextPath(t, res.Header.Get("Link")); !strings.HasPrefix(link, "/api/orgs/"+org+"/members?after=") {
			t.Errorf("members Link %q does not point at the members of %s", link, org)
		}

		// The same rules as the task lists.
		for _, q := range []string{"limit=0", "limit=101", "limit=", "after=", "after=nope", "limit=2&limit=3"} {
			for _, p := range []string{"/api/orgs?", "/api/orgs/" + org + "/members?"} {
				if res := h.Do("GET", p+q, nil, owner); res.Status != 422 {
					t.Errorf("GET %s%s: status %d, want 422", p, q, res.Status)
				}
			}
		}
		// A non-member gets the same 404 with a cursor as without one.
		after := url.Values{"after": {orgIDs[1]}}.Encode()
		for _, p := range []string{"/api/orgs/" + org + "/members", "/api/orgs/" + org + "/members?limit=1&" + after} {
			if res := h.Do("GET", p, nil, other); res.Status != 404 {
				t.Errorf("non-member GET %s: status %d, want 404", p, res.Status)
			}
		}
		// The owner's org as another user's cursor answers as an id that
		// names nothing does: no page tells whether it exists, or when it
		// was made.
		h.Do("POST", "/api/orgs", map[string]string{"name": "the other's, made after the owner's"}, other)
		theirs, _ := follow(t, h, "/api/orgs?after="+orgIDs[0], "id", other)
		nothing, _ := follow(t, h, "/api/orgs?after=01900000-0000-7000-8000-000000000000", "id", other)
		if len(theirs) != 0 || len(nothing) != 0 {
			t.Errorf("the other's orgs after the owner's org: %v, after an unknown id: %v; want none for both", theirs, nothing)
		}
	})
}
