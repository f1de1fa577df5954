package storetest

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// pagingCases: organizations and members page as tasks do, by a cursor
// that is the last item's id, in the documented order (oldest first,
// tie-broken by id), with nothing skipped or repeated and nothing of
// anyone else's.
func pagingCases() []testCase {
	return []testCase{
		{"UserOrgsPages", func(t *testing.T, s tenantry.Store) {
			a := mustUser(t, s, "a@example.com")
			b := mustUser(t, s, "b@example.com")
			// B's own org, older than all of A's: as A's cursor it must
			// answer as an unknown id does (an empty page), or A could tell
			// that it exists and when it was made.
			alone := mustOrg(t, s, b, "B's alone").ID
			var want []uuid.UUID
			for i := range 5 {
				owner := a
				if i%2 == 1 {
					owner = b // A joins B's orgs after they were made: orgs sort by the org's age
				}
				org := mustOrg(t, s, owner, fmt.Sprintf("org %d", i))
				if owner == b {
					mustAddMember(t, s, b, org.ID, a, tenantry.RoleMember)
				}
				want = append(want, org.ID)
			}

			all, err := s.UserOrgs(t.Context(), a.ID, tenantry.Page{Limit: tenantry.MaxPageSize})
			noErr(t, "UserOrgs", err)
			checkOrgOrder(t, all)
			if len(all) != len(want) {
				t.Fatalf("UserOrgs = %v, want the %d orgs %v", orgIDs(all), len(want), want)
			}

			var paged []tenantry.OrgMembership
			var after *uuid.UUID
			for pages := 0; ; pages++ {
				if pages > len(want) {
					t.Fatal("UserOrgs pages never end")
				}
				page, err := s.UserOrgs(t.Context(), a.ID, tenantry.Page{After: after, Limit: 2})
				noErr(t, "UserOrgs page", err)
				if len(page) > 2 {
					t.Fatalf("page of %d orgs, limit 2", len(page))
				}
				paged = append(paged, page...)
				if len(page) < 2 {
					break
				}
				after = &page[len(page)-1].Org.ID
			}
			if got, wantIDs := fmt.Sprint(orgIDs(paged)), fmt.Sprint(orgIDs(all)); got != wantIDs {
				t.Errorf("pages of 2 give %s, want %s", got, wantIDs)
			}
			for _, id := range want {
				if !containsOrg(all, id) {
					t.Errorf("UserOrgs lacks org %s", id)
				}
			}

			if containsOrg(all, alone) {
				t.Errorf("A's orgs list B's org %s", alone)
			}
			page, err := s.UserOrgs(t.Context(), a.ID, tenantry.Page{After: &alone})
			noErr(t, "UserOrgs after another's org", err)
			if len(page) != 0 {
				t.Errorf("UserOrgs after B's org = %v, want an empty page, as for an unknown id", orgIDs(page))
			}
			// The zero Page is the first page of DefaultPageSize.
			first, err := s.UserOrgs(t.Context(), a.ID, tenantry.Page{})
			noErr(t, "UserOrgs first page", err)
			if fmt.Sprint(orgIDs(first)) != fmt.Sprint(orgIDs(all)) {
				t.Errorf("UserOrgs(Page{}) = %v, want %v", orgIDs(first), orgIDs(all))
			}
			// An org A has left ends the list too.
			mustUpdate(t, s, a.ID, want[1], func(tx tenantry.TenantAccess) error { return tx.RemoveMember(t.Context(), a.ID) })
			page, err = s.UserOrgs(t.Context(), a.ID, tenantry.Page{After: &want[1]})
			noErr(t, "UserOrgs after a left org", err)
			if len(page) != 0 {
				t.Errorf("UserOrgs after an org A left = %v, want an empty page", orgIDs(page))
			}
		}},
		{"MembersPages", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			org := mustOrg(t, s, owner, "Acme")
			for i := range 4 {
				mustAddMember(t, s, owner, org.ID, mustUser(t, s, fmt.Sprintf("m%d@example.com", i)), tenantry.RoleMember)
			}
			outsider := mustUser(t, s, "outsider@example.com") // a personal tenant's member, never Acme's
			all := readMembers(t, s, owner.ID, org.ID)
			if len(all) != 5 || all[0].UserID != owner.ID {
				t.Fatalf("Members = %+v, want the owner first and 4 more", all)
			}
			for i := 1; i < len(all); i++ {
				p, q := all[i-1], all[i]
				if q.CreatedAt.Before(p.CreatedAt) || q.CreatedAt.Equal(p.CreatedAt) && q.UserID.String() < p.UserID.String() {
					t.Errorf("Members out of order at %d: %+v then %+v", i, p, q)
				}
			}
			var paged []tenantry.Member
			var after *uuid.UUID
			for pages := 0; ; pages++ {
				if pages > len(all) {
					t.Fatal("Members pages never end")
				}
				var page []tenantry.Member
				mustView(t, s, owner.ID, org.ID, func(tx tenantry.TenantAccess) (err error) {
					page, err = tx.Members(t.Context(), tenantry.Page{After: after, Limit: 2})
					return err
				})
				if len(page) > 2 {
					t.Fatalf("page of %d members, limit 2", len(page))
				}
				paged = append(paged, page...)
				if len(page) < 2 {
					break
				}
				after = &page[len(page)-1].UserID
			}
			if got, want := fmt.Sprint(memberIDs(paged)), fmt.Sprint(memberIDs(all)); got != want {
				t.Errorf("pages of 2 give %s, want %s", got, want)
			}
			// A cursor naming someone who is not a member gives an empty page,
			// never a member of another tenant.
			mustView(t, s, owner.ID, org.ID, func(tx tenantry.TenantAccess) error {
				page, err := tx.Members(t.Context(), tenantry.Page{After: &outsider.ID})
				noErr(t, "Members after an outsider", err)
				if len(page) != 0 {
					t.Errorf("Members after an outsider = %+v, want none", page)
				}
				return nil
			})
		}},
	}
}

// checkOrgOrder fails unless orgs are oldest first, tie-broken by id.
func checkOrgOrder(t *testing.T, orgs []tenantry.OrgMembership) {
	t.Helper()
	for i := 1; i < len(orgs); i++ {
		p, q := orgs[i-1].Org, orgs[i].Org
		if q.CreatedAt.Before(p.CreatedAt) || q.CreatedAt.Equal(p.CreatedAt) && q.ID.String() < p.ID.String() {
			t.Errorf("UserOrgs out of order at %d: %+v then %+v", i, p, q)
		}
	}
}

func orgIDs(ms []tenantry.OrgMembership) []uuid.UUID {
	ids := make([]uuid.UUID, len(ms))
	for i, m := range ms {
		ids[i] = m.Org.ID
	}
	return ids
}

func memberIDs(ms []tenantry.Member) []uuid.UUID {
	ids := make([]uuid.UUID, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	return ids
}

func containsOrg(ms []tenantry.OrgMembership, id uuid.UUID) bool {
	for _, m := range ms {
		if m.Org.ID == id {
			return true
		}
	}
	return false
}
