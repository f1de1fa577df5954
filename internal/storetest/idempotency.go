package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
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
	}
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
