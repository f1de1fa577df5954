package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// newAPIToken is an API token of u for tenantID with a secret hash of its own.
func newAPIToken(u tenantry.User, tenantID uuid.UUID, hash string, scope tenantry.TokenScope, expires *time.Time) tenantry.APIToken {
	return tenantry.APIToken{UserID: u.ID, TenantID: tenantID, Name: "script " + hash, Scope: scope, SecretHash: []byte(hash), ExpiresAt: expires}
}

func mustAPIToken(t *testing.T, s tenantry.Store, in tenantry.APIToken) tenantry.APIToken {
	t.Helper()
	tok, err := s.CreateAPIToken(t.Context(), in, tenantry.AuditEntry{})
	noErr(t, "CreateAPIToken", err)
	return tok
}

// wantTokenGone fails unless the token with hash no longer works.
func wantTokenGone(t *testing.T, s tenantry.Store, hash string) {
	t.Helper()
	_, _, err := s.APITokenUser(t.Context(), []byte(hash), time.Now())
	wantErr(t, "APITokenUser "+hash, err, tenantry.ErrAPITokenNotFound)
}

func apiTokenCases() []testCase {
	return []testCase{
		{"APIToken/CreateUseListDelete", func(t *testing.T, s tenantry.Store) {
			bob := mustUser(t, s, "bob@example.com")
			org := mustOrg(t, s, bob, "Acme")
			exp := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
			tok := mustAPIToken(t, s, newAPIToken(bob, org.ID, "hash-1", tenantry.ScopeRead, &exp))
			if tok.ID == uuid.Nil || tok.UserID != bob.ID || tok.TenantID != org.ID || tok.Scope != tenantry.ScopeRead ||
				tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(exp) || tok.LastUsedAt != nil {
				t.Fatalf("CreateAPIToken = %+v", tok)
			}
			checkTime(t, "CreatedAt", tok.CreatedAt)
			mustAPIToken(t, s, newAPIToken(bob, bob.ID, "hash-2", tenantry.ScopeWrite, nil))

			now := time.Now()
			used, u, err := s.APITokenUser(t.Context(), []byte("hash-1"), now)
			noErr(t, "APITokenUser", err)
			if used.ID != tok.ID || u.ID != bob.ID || u.Email != bob.Email || used.TenantID != org.ID {
				t.Errorf("APITokenUser = %+v, %+v", used, u)
			}
			list, err := s.APITokens(t.Context(), bob.ID)
			noErr(t, "APITokens", err)
			if len(list) != 2 || list[0].ID != tok.ID || list[1].TenantID != bob.ID || list[1].ExpiresAt != nil {
				t.Fatalf("APITokens = %+v", list)
			}
			if list[0].LastUsedAt == nil || !list[0].LastUsedAt.Equal(now.UTC().Truncate(time.Microsecond)) || list[1].LastUsedAt != nil {
				t.Errorf("LastUsedAt = %v, %v; want %v and never", list[0].LastUsedAt, list[1].LastUsedAt, now)
			}
			// A second use within APITokenTouch is not written again.
			_, _, err = s.APITokenUser(t.Context(), []byte("hash-1"), now.Add(time.Second))
			noErr(t, "APITokenUser again", err)
			list, _ = s.APITokens(t.Context(), bob.ID)
			if !list[0].LastUsedAt.Equal(now.UTC().Truncate(time.Microsecond)) {
				t.Errorf("LastUsedAt = %v after a use a second later, want %v kept", list[0].LastUsedAt, now)
			}

			noErr(t, "DeleteAPIToken", s.DeleteAPIToken(t.Context(), bob.ID, tok.ID, tenantry.AuditEntry{}))
			wantTokenGone(t, s, "hash-1")
			wantErr(t, "DeleteAPIToken again", s.DeleteAPIToken(t.Context(), bob.ID, tok.ID, tenantry.AuditEntry{}), tenantry.ErrAPITokenNotFound)
			noErr(t, "DeleteAPITokens", s.DeleteAPITokens(t.Context(), bob.ID, tenantry.AuditEntry{}))
			wantTokenGone(t, s, "hash-2")
		}},
		{"APIToken/Expired", func(t *testing.T, s tenantry.Store) {
			bob := mustUser(t, s, "bob@example.com")
			exp := time.Now().Add(time.Minute)
			mustAPIToken(t, s, newAPIToken(bob, bob.ID, "hash-1", tenantry.ScopeRead, &exp))
			_, _, err := s.APITokenUser(t.Context(), []byte("hash-1"), exp)
			wantErr(t, "APITokenUser at its expiry", err, tenantry.ErrAPITokenNotFound)
			_, _, err = s.APITokenUser(t.Context(), []byte("unknown"), time.Now())
			wantErr(t, "APITokenUser of an unknown hash", err, tenantry.ErrAPITokenNotFound)
		}},
		{"APIToken/OnlyForOwnTenants", func(t *testing.T, s tenantry.Store) {
			alice := mustUser(t, s, "alice@example.com")
			bob := mustUser(t, s, "bob@example.com")
			org := mustOrg(t, s, alice, "Acme")
			for _, tenant := range []uuid.UUID{org.ID, alice.ID, uuid.New()} {
				_, err := s.CreateAPIToken(t.Context(), newAPIToken(bob, tenant, "hash-x", tenantry.ScopeWrite, nil), tenantry.AuditEntry{})
				wantErr(t, "CreateAPIToken for a tenant bob is not in", err, tenantry.ErrNotMember)
			}
			tok := mustAPIToken(t, s, newAPIToken(alice, org.ID, "hash-a", tenantry.ScopeWrite, nil))
			// Bob can neither see nor revoke Alice's token.
			list, err := s.APITokens(t.Context(), bob.ID)
			noErr(t, "APITokens", err)
			if len(list) != 0 {
				t.Errorf("bob's APITokens = %+v, want none", list)
			}
			wantErr(t, "bob deletes alice's token", s.DeleteAPIToken(t.Context(), bob.ID, tok.ID, tenantry.AuditEntry{}), tenantry.ErrAPITokenNotFound)
			noErr(t, "bob's DeleteAPITokens", s.DeleteAPITokens(t.Context(), bob.ID, tenantry.AuditEntry{}))
			_, _, err = s.APITokenUser(t.Context(), []byte("hash-a"), time.Now())
			noErr(t, "alice's token still works", err)
		}},
		{"APIToken/GoneWithMembershipAndUser", func(t *testing.T, s tenantry.Store) {
			alice := mustUser(t, s, "alice@example.com")
			bob := mustUser(t, s, "bob@example.com")
			org := mustOrg(t, s, alice, "Acme")
			mustAddMember(t, s, alice, org.ID, bob, tenantry.RoleMember)
			mustAPIToken(t, s, newAPIToken(bob, org.ID, "hash-org", tenantry.ScopeWrite, nil))
			mustAPIToken(t, s, newAPIToken(bob, bob.ID, "hash-own", tenantry.ScopeWrite, nil))
			mustUpdate(t, s, alice.ID, org.ID, func(tx tenantry.TenantAccess) error { return tx.RemoveMember(t.Context(), bob.ID) })
			wantTokenGone(t, s, "hash-org")
			_, _, err := s.APITokenUser(t.Context(), []byte("hash-own"), time.Now())
			noErr(t, "bob's personal token after leaving the org", err)
			noErr(t, "DeleteUser", s.DeleteUser(t.Context(), bob.ID))
			wantTokenGone(t, s, "hash-own")
		}},
	}
}
