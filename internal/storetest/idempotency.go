package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// idempotencyCases hold the stores to Idempotency-Keys: a key is claimed
// once per caller and tenant, a replay reads the first answer, another
// body is refused, and a rolled-back claim leaves nothing.
func idempotencyCases() []testCase {
	return []testCase{
		{"Idempotency/ReplayReadsTheFirstAnswer", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			r := idemRequest(f.owner.ID, "k-1", "body")
			if _, found := claim(t, s, f.owner.ID, f.org.ID, r, &tenantry.IdempotentAnswer{Status: 201, Body: []byte(`{"id":1}`)}); found {
				t.Fatal("a fresh key was found")
			}
			got, found := claim(t, s, f.owner.ID, f.org.ID, r, nil)
			if !found || got.Status != 201 || !bytes.Equal(got.Body, []byte(`{"id":1}`)) {
				t.Fatalf("replay = %+v, %v; want the first answer", got, found)
			}
			err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				_, _, err := tx.ClaimIdempotencyKey(t.Context(), idemRequest(f.owner.ID, "k-1", "other body"))
				return err
			})
			wantErr(t, "same key, other body", err, tenantry.ErrIdempotencyMismatch)
			if got, found := claim(t, s, f.owner.ID, f.org.ID, r, nil); !found || got.Status != 201 {
				t.Errorf("re-read after the refused body = %+v, %v; want the first answer", got, found)
			}
		}},
		{"Idempotency/KeysBelongToCallerAndTenant", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			claim(t, s, f.owner.ID, f.org.ID, idemRequest(f.owner.ID, "shared", "body"), &tenantry.IdempotentAnswer{Status: 201, Body: []byte("owner's")})
			// Another user's identical key in the same tenant, and the same
			// user's in another tenant, are new keys, whatever their body.
			if _, found := claim(t, s, f.member.ID, f.org.ID, idemRequest(f.member.ID, "shared", "body"), &tenantry.IdempotentAnswer{Status: 201, Body: []byte("member's")}); found {
				t.Error("another user's identical key found the owner's answer")
			}
			if _, found := claim(t, s, f.owner.ID, f.owner.ID, idemRequest(f.owner.ID, "shared", "other"), &tenantry.IdempotentAnswer{Status: 201, Body: []byte("personal")}); found {
				t.Error("the same key in another tenant found the org's answer")
			}
			// The victim's answer is intact.
			if got, found := claim(t, s, f.owner.ID, f.org.ID, idemRequest(f.owner.ID, "shared", "body"), nil); !found || string(got.Body) != "owner's" {
				t.Errorf("owner's answer re-read = %q, %v; want owner's", got.Body, found)
			}
		}},
		{"Idempotency/RolledBackClaimLeavesNothing", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			r := idemRequest(f.owner.ID, "k", "body")
			boom := errors.New("the write failed")
			err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				if _, _, err := tx.ClaimIdempotencyKey(t.Context(), r); err != nil {
					return err
				}
				return boom
			})
			wantErr(t, "failed write", err, boom)
			if _, found := claim(t, s, f.owner.ID, f.org.ID, r, nil); found {
				t.Error("a rolled-back claim was kept")
			}
		}},
		{"Idempotency/CreateOrgOnceReplaysTheFirstOrg", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			other := mustUser(t, s, "other@example.com")
			r := idemRequest(owner.ID, "org-1", "Acme")
			first, err := s.CreateOrgOnce(t.Context(), owner.ID, "Acme", r)
			noErr(t, "CreateOrgOnce", err)
			if first.Org.Kind != tenantry.KindOrg || first.Org.Name != "Acme" || first.Role != tenantry.RoleOwner {
				t.Fatalf("CreateOrgOnce = %+v, want a new org Acme owned by the caller", first)
			}
			// The organization is there as any other, with its one owner.
			if ms := readMembers(t, s, owner.ID, first.Org.ID); len(ms) != 1 || ms[0].UserID != owner.ID {
				t.Fatalf("members = %+v, want the owner alone", ms)
			}
			again, err := s.CreateOrgOnce(t.Context(), owner.ID, "Acme", r)
			noErr(t, "CreateOrgOnce replay", err)
			if again.Org.ID != first.Org.ID || again.Org.Name != first.Org.Name || again.Role != first.Role ||
				again.Org.Kind != first.Org.Kind || !again.Org.CreatedAt.Equal(first.Org.CreatedAt) {
				t.Fatalf("replay = %+v, want the first org %+v", again, first)
			}
			// Another body with the key: refused, nothing created.
			_, err = s.CreateOrgOnce(t.Context(), owner.ID, "Other", idemRequest(owner.ID, "org-1", "Other"))
			wantErr(t, "same key, other body", err, tenantry.ErrIdempotencyMismatch)
			if orgs := userOrgs(t, s, owner.ID); len(orgs) != 1 || orgs[0].Org.ID != first.Org.ID {
				t.Fatalf("orgs after a create, its replay and a refused body = %+v, want the first alone", orgs)
			}
			if ms := readMembers(t, s, owner.ID, first.Org.ID); len(ms) != 1 {
				t.Fatalf("members after the replay = %+v, want the owner alone", ms)
			}
			// Another user's identical key (and body) is theirs: a new org,
			// whatever r.UserID claims.
			theirs, err := s.CreateOrgOnce(t.Context(), other.ID, "Acme", r)
			noErr(t, "another user's identical key", err)
			if theirs.Org.ID == first.Org.ID {
				t.Fatal("another user's identical key answered the first org")
			}
			if orgs := userOrgs(t, s, other.ID); len(orgs) != 1 || orgs[0].Org.ID != theirs.Org.ID {
				t.Fatalf("other's orgs = %+v, want their own alone", orgs)
			}
			if orgs := userOrgs(t, s, owner.ID); len(orgs) != 1 {
				t.Fatalf("owner's orgs after the other's create = %+v, want the first alone", orgs)
			}
			// The key lives in the owner's personal tenant: a claim there
			// meets it, a claim in the new organization does not.
			if _, found := claim(t, s, owner.ID, owner.ID, idemRequest(owner.ID, "org-1", "Acme"), nil); !found {
				t.Error("the key is not in the owner's personal tenant")
			}
			if _, found := claim(t, s, owner.ID, first.Org.ID, idemRequest(owner.ID, "org-1", "Acme"), nil); found {
				t.Error("the key was found in the organization")
			}
		}},
		{"Idempotency/CreateOrgOnceConcurrentReplaysCreateOne", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			r := idemRequest(owner.ID, "raced", "Acme")
			const n = 8
			ids := make([]uuid.UUID, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					m, err := s.CreateOrgOnce(t.Context(), owner.ID, "Acme", r)
					ids[i], errs[i] = m.Org.ID, err
				})
			}
			wg.Wait()
			for i := range n {
				noErr(t, fmt.Sprintf("CreateOrgOnce %d", i), errs[i])
				if ids[i] != ids[0] {
					t.Fatalf("call %d created org %v, call 0 %v: want one org", i, ids[i], ids[0])
				}
			}
			if orgs := userOrgs(t, s, owner.ID); len(orgs) != 1 || orgs[0].Org.ID != ids[0] {
				t.Fatalf("orgs = %+v, want one", orgs)
			}
		}},
		{"Idempotency/CreateOrgOnceUnknownOwner", func(t *testing.T, s tenantry.Store) {
			ghost := uuid.Must(uuid.NewV7())
			_, err := s.CreateOrgOnce(t.Context(), ghost, "Acme", idemRequest(ghost, "k", "Acme"))
			wantErr(t, "CreateOrgOnce by no account", err, tenantry.ErrUserNotFound)
		}},
		{"Idempotency/AnotherTenantsKeyIsNeverAnswered", func(t *testing.T, s tenantry.Store) {
			victim := newOrg(t, s)
			eve := mustUser(t, s, "eve@example.com")
			evil := mustOrg(t, s, eve, "Evil")
			r := idemRequest(victim.owner.ID, "shared", "body")
			claim(t, s, victim.owner.ID, victim.org.ID, r, &tenantry.IdempotentAnswer{Status: 201, Body: []byte("victim's")})
			// Creating an organization with the key does not find the answer.
			m, err := s.CreateOrgOnce(t.Context(), eve.ID, "Evil 2", r)
			noErr(t, "CreateOrgOnce with the victim's key", err)
			if m.Org.Name != "Evil 2" {
				t.Fatalf("CreateOrgOnce with the victim's key = %+v, want a new org of eve's", m)
			}
			// Nor does eve, sending the victim's key and body in her own
			// tenants, even as the victim's user id.
			for _, tenant := range []uuid.UUID{evil.ID, eve.ID} {
				for _, as := range []uuid.UUID{eve.ID, victim.owner.ID} {
					got, found := claim(t, s, eve.ID, tenant, idemRequest(as, "shared", "body"), &tenantry.IdempotentAnswer{Status: 201, Body: []byte("eve's")})
					if found && string(got.Body) == "victim's" {
						t.Fatalf("eve in %v as %v read the victim's answer", tenant, as)
					}
				}
			}
			// The victim's answer is intact, and the victim's personal tenant
			// holds no key of eve's.
			if got, found := claim(t, s, victim.owner.ID, victim.org.ID, r, nil); !found || string(got.Body) != "victim's" {
				t.Errorf("victim's answer re-read = %q, %v; want victim's", got.Body, found)
			}
			if _, found := claim(t, s, victim.owner.ID, victim.owner.ID, r, nil); found {
				t.Error("eve's key reached the victim's personal tenant")
			}
		}},
	}
}

// userOrgs is every organization of userID.
func userOrgs(t *testing.T, s tenantry.Store, userID uuid.UUID) []tenantry.OrgMembership {
	t.Helper()
	orgs, err := s.UserOrgs(t.Context(), userID, tenantry.Page{Limit: tenantry.MaxPageSize})
	noErr(t, "UserOrgs", err)
	return orgs
}

// idemRequest is userID's request with key and the hash of body.
func idemRequest(userID uuid.UUID, key, body string) tenantry.IdempotentRequest {
	h := sha256.Sum256([]byte(body))
	return tenantry.IdempotentRequest{UserID: userID, Key: key, BodyHash: h[:]}
}

// claim claims r in tenantID as userID and, when the key is fresh and set
// is not nil, keeps set as its answer.
func claim(t *testing.T, s tenantry.Store, userID, tenantID uuid.UUID, r tenantry.IdempotentRequest, set *tenantry.IdempotentAnswer) (a tenantry.IdempotentAnswer, found bool) {
	t.Helper()
	mustUpdate(t, s, userID, tenantID, func(tx tenantry.TenantAccess) (err error) {
		a, found, err = tx.ClaimIdempotencyKey(t.Context(), r)
		if err != nil || found || set == nil {
			return err
		}
		return tx.SetIdempotentAnswer(t.Context(), r, *set)
	})
	return a, found
}
