package storetest

import (
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

func orgCases() []testCase {
	return []testCase{
		{"CreateOrg", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			om, err := s.CreateOrg(t.Context(), owner.ID, "Acme")
			noErr(t, "CreateOrg", err)
			if om.Org.ID == uuid.Nil || om.Org.ID == owner.ID || om.Org.Kind != tenantry.KindOrg ||
				om.Org.Name != "Acme" || om.Role != tenantry.RoleOwner {
				t.Errorf("CreateOrg = %+v, want a new org Acme owned by the caller", om)
			}
			checkTime(t, "CreatedAt", om.Org.CreatedAt)
			mustView(t, s, owner.ID, om.Org.ID, func(tx tenantry.TenantAccess) error {
				want := tenantry.Scope{UserID: owner.ID, TenantID: om.Org.ID, Kind: tenantry.KindOrg, Role: tenantry.RoleOwner}
				if got := tx.Scope(); got != want {
					t.Errorf("Scope = %+v, want %+v", got, want)
				}
				tn, err := tx.Tenant(t.Context())
				noErr(t, "Tenant", err)
				if tn.ID != om.Org.ID || tn.Kind != tenantry.KindOrg || tn.Name != "Acme" || !tn.CreatedAt.Equal(om.Org.CreatedAt) {
					t.Errorf("Tenant = %+v, want %+v", tn, om.Org)
				}
				return nil
			})
			ms := readMembers(t, s, owner.ID, om.Org.ID)
			if len(ms) != 1 || ms[0].UserID != owner.ID || ms[0].Role != tenantry.RoleOwner || ms[0].Email != owner.Email {
				t.Errorf("Members = %+v, want only the owner", ms)
			}
		}},
		{"UserOrgs", func(t *testing.T, s tenantry.Store) {
			a := mustUser(t, s, "a@example.com")
			b := mustUser(t, s, "b@example.com")
			c := mustUser(t, s, "c@example.com")
			// B's org is the oldest; A joins it last. Orgs are listed oldest org first.
			org0 := mustOrg(t, s, b, "B's")
			org1 := mustOrg(t, s, a, "A's first")
			org2 := mustOrg(t, s, a, "A's second")
			mustAddMember(t, s, b, org0.ID, a, tenantry.RoleMember)

			type row struct {
				id   uuid.UUID
				name string
				role tenantry.Role
			}
			check := func(u tenantry.User, want []row) {
				t.Helper()
				got, err := s.UserOrgs(t.Context(), u.ID, tenantry.Page{})
				noErr(t, "UserOrgs", err)
				if len(got) != len(want) {
					t.Fatalf("UserOrgs(%s) = %+v, want %+v", u.Email, got, want)
				}
				for i, w := range want {
					g := got[i]
					if g.Org.ID != w.id || g.Org.Name != w.name || g.Role != w.role || g.Org.Kind != tenantry.KindOrg {
						t.Errorf("UserOrgs(%s)[%d] = %+v, want %+v", u.Email, i, g, w)
					}
					checkTime(t, "Org.CreatedAt", g.Org.CreatedAt)
				}
			}
			check(a, []row{{org0.ID, "B's", tenantry.RoleMember}, {org1.ID, "A's first", tenantry.RoleOwner}, {org2.ID, "A's second", tenantry.RoleOwner}})
			check(b, []row{{org0.ID, "B's", tenantry.RoleOwner}})
			check(c, nil)
		}},
		{"Membership/RequiredForViewAndUpdate", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			stranger := mustUser(t, s, "stranger@example.com")
			removed := mustUser(t, s, "removed@example.com")
			org := mustOrg(t, s, owner, "Acme")
			mustAddMember(t, s, owner, org.ID, removed, tenantry.RoleAdmin)
			mustUpdate(t, s, owner.ID, org.ID, func(tx tenantry.TenantAccess) error {
				return tx.RemoveMember(t.Context(), removed.ID)
			})
			cases := []struct {
				name           string
				user, tenantID uuid.UUID
			}{
				{"stranger in org", stranger.ID, org.ID},
				{"removed member in org", removed.ID, org.ID},
				{"stranger in another user's personal tenant", stranger.ID, owner.ID},
				{"tenant that does not exist", owner.ID, uuid.New()},
				{"user that does not exist", uuid.New(), org.ID},
			}
			for _, c := range cases {
				called := false
				fn := func(tenantry.TenantAccess) error { called = true; return nil }
				err := s.View(t.Context(), c.user, c.tenantID, fn)
				wantErr(t, c.name+": View", err, tenantry.ErrNotMember)
				err = s.Update(t.Context(), c.user, c.tenantID, fn)
				wantErr(t, c.name+": Update", err, tenantry.ErrNotMember)
				if got, want := tenantry.ErrorCode(err), tenantry.ENOTFOUND; got != want {
					t.Errorf("%s: code = %q, want %q", c.name, got, want)
				}
				if called {
					t.Errorf("%s: fn was called", c.name)
				}
			}
		}},
		{"Membership/ScopeCarriesRole", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			admin := mustUser(t, s, "admin@example.com")
			member := mustUser(t, s, "member@example.com")
			org := mustOrg(t, s, owner, "Acme")
			mustAddMember(t, s, owner, org.ID, admin, tenantry.RoleAdmin)
			mustAddMember(t, s, owner, org.ID, member, tenantry.RoleMember)
			for _, c := range []struct {
				u    tenantry.User
				role tenantry.Role
			}{{owner, tenantry.RoleOwner}, {admin, tenantry.RoleAdmin}, {member, tenantry.RoleMember}} {
				want := tenantry.Scope{UserID: c.u.ID, TenantID: org.ID, Kind: tenantry.KindOrg, Role: c.role}
				check := func(tx tenantry.TenantAccess) error {
					if got := tx.Scope(); got != want {
						t.Errorf("Scope = %+v, want %+v", got, want)
					}
					return nil
				}
				mustView(t, s, c.u.ID, org.ID, check)
				mustUpdate(t, s, c.u.ID, org.ID, check)
			}
		}},
	}
}
