package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// tokenHash is the hash a caller would store for the token secret s.
func tokenHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func mustInvite(t *testing.T, s tenantry.Store, by, tenantID uuid.UUID, email string, role tenantry.Role, secret string, ttl time.Duration) tenantry.Invitation {
	t.Helper()
	var inv tenantry.Invitation
	mustUpdate(t, s, by, tenantID, func(tx tenantry.TenantAccess) (err error) {
		inv, err = tx.CreateInvitation(t.Context(), tenantry.NewInvitation{
			Email: email, Role: role, TokenHash: tokenHash(secret), ExpiresAt: time.Now().Add(ttl),
		})
		return err
	})
	return inv
}

func pendingInvitations(t *testing.T, s tenantry.Store, userID, tenantID uuid.UUID) []tenantry.Invitation {
	t.Helper()
	var invs []tenantry.Invitation
	mustView(t, s, userID, tenantID, func(tx tenantry.TenantAccess) (err error) {
		invs, err = tx.Invitations(t.Context(), tenantry.Page{Limit: tenantry.MaxPageSize})
		return err
	})
	return invs
}

func wantInvitationIDs(t *testing.T, what string, got []tenantry.Invitation, want ...uuid.UUID) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d invitations %+v, want %d", what, len(got), got, len(want))
	}
	for i := range got {
		if got[i].ID != want[i] {
			t.Errorf("%s[%d] = %v, want %v", what, i, got[i].ID, want[i])
		}
	}
}

func invitationCases() []testCase {
	return []testCase{
		{"Invitation/CreateListRevoke", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			inv := mustInvite(t, s, f.owner.ID, f.org.ID, "new@example.com", tenantry.RoleAdmin, "secret-1", time.Hour)
			if inv.ID == uuid.Nil || inv.TenantID != f.org.ID || inv.Email != "new@example.com" || inv.Role != tenantry.RoleAdmin || inv.InvitedBy != f.owner.ID {
				t.Errorf("CreateInvitation = %+v", inv)
			}
			checkTime(t, "CreatedAt", inv.CreatedAt)
			if !inv.ExpiresAt.After(inv.CreatedAt) {
				t.Errorf("ExpiresAt %v not after CreatedAt %v", inv.ExpiresAt, inv.CreatedAt)
			}
			other := mustInvite(t, s, f.owner.ID, f.org.ID, "two@example.com", tenantry.RoleMember, "secret-2", time.Hour)
			got := pendingInvitations(t, s, f.member.ID, f.org.ID)
			wantInvitationIDs(t, "pending", got, inv.ID, other.ID)
			if got[0] != inv {
				t.Errorf("listed %+v, want %+v", got[0], inv)
			}
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error { return tx.RevokeInvitation(t.Context(), inv.ID) })
			wantInvitationIDs(t, "pending after revoke", pendingInvitations(t, s, f.owner.ID, f.org.ID), other.ID)
			err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error { return tx.RevokeInvitation(t.Context(), inv.ID) })
			wantErr(t, "revoke twice", err, tenantry.ErrInvitationNotFound)
			err = s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.CreateInvitation(t.Context(), tenantry.NewInvitation{Email: "x@example.com", Role: "boss", TokenHash: tokenHash("x"), ExpiresAt: time.Now().Add(time.Hour)})
				return err
			})
			if tenantry.ErrorCode(err) != tenantry.EINVALID {
				t.Errorf("invitation with an unknown role: %v, want %s", err, tenantry.EINVALID)
			}
		}},
		{"Invitation/AcceptByRegisteredLater", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			inv := mustInvite(t, s, f.owner.ID, f.org.ID, "later@example.com", tenantry.RoleAdmin, "secret", time.Hour)
			// The account is made after the invitation.
			u := mustUser(t, s, "later@example.com")
			m, err := s.AcceptInvitation(t.Context(), u.ID, f.org.ID, tokenHash("secret"), tenantry.AuditEntry{IP: "192.0.2.7", RequestID: "req-accept"})
			noErr(t, "AcceptInvitation", err)
			accepts := func() []tenantry.AuditEntry {
				return auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{Action: tenantry.AuditInvitationAccept})
			}
			if es := accepts(); len(es) != 1 || es[0].ActorUserID != u.ID || es[0].TargetID != inv.ID.String() ||
				es[0].IP != "192.0.2.7" || es[0].RequestID != "req-accept" || es[0].Details["role"] != "admin" {
				t.Errorf("invitation.accept entries = %+v", es)
			}
			if m.TenantID != f.org.ID || m.UserID != u.ID || m.Role != tenantry.RoleAdmin || m.Email != u.Email {
				t.Errorf("AcceptInvitation = %+v", m)
			}
			var got tenantry.Member
			mustView(t, s, u.ID, f.org.ID, func(tx tenantry.TenantAccess) (err error) {
				got, err = tx.Member(t.Context(), u.ID)
				return err
			})
			if got.Role != tenantry.RoleAdmin {
				t.Errorf("member's role = %s, want admin", got.Role)
			}
			wantInvitationIDs(t, "pending after accept", pendingInvitations(t, s, f.owner.ID, f.org.ID))
			// Accepting twice changes nothing.
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.SetRole(t.Context(), u.ID, tenantry.RoleMember)
				return err
			})
			again, err := s.AcceptInvitation(t.Context(), u.ID, f.org.ID, tokenHash("secret"), tenantry.AuditEntry{})
			noErr(t, "AcceptInvitation again", err)
			if es := accepts(); len(es) != 1 {
				t.Errorf("%d invitation.accept entries after accepting twice, want 1", len(es))
			}
			if again.Role != tenantry.RoleMember || !again.CreatedAt.Equal(m.CreatedAt) {
				t.Errorf("second accept = %+v, want the membership unchanged (member, since %v)", again, m.CreatedAt)
			}
			// Nobody else can use it.
			_, err = s.AcceptInvitation(t.Context(), f.member.ID, f.org.ID, tokenHash("secret"), tenantry.AuditEntry{})
			wantErr(t, "someone else accepts a used invitation", err, tenantry.ErrInvitationNotFound)
			// Removed, the invitation does not let them back.
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error { return tx.RemoveMember(t.Context(), u.ID) })
			_, err = s.AcceptInvitation(t.Context(), u.ID, f.org.ID, tokenHash("secret"), tenantry.AuditEntry{})
			wantErr(t, "accept after removal", err, tenantry.ErrInvitationNotFound)
			_ = inv
		}},
		{"Invitation/RefusedTokensAreOneAnswer", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			invited := mustUser(t, s, "invited@example.com")
			stranger := mustUser(t, s, "stranger@example.com")
			mustInvite(t, s, f.owner.ID, f.org.ID, "invited@example.com", tenantry.RoleMember, "good", time.Hour)
			mustInvite(t, s, f.owner.ID, f.org.ID, "invited@example.com", tenantry.RoleMember, "expired", -time.Minute)
			revoked := mustInvite(t, s, f.owner.ID, f.org.ID, "invited@example.com", tenantry.RoleOwner, "revoked", time.Hour)
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error { return tx.RevokeInvitation(t.Context(), revoked.ID) })
			other := mustOrg(t, s, f.owner, "Other")
			for _, c := range []struct {
				name   string
				user   uuid.UUID
				tenant uuid.UUID
				secret string
			}{
				{"another email", stranger.ID, f.org.ID, "good"},
				{"expired", invited.ID, f.org.ID, "expired"},
				{"revoked", invited.ID, f.org.ID, "revoked"},
				{"unknown token", invited.ID, f.org.ID, "guess"},
				{"another tenant", invited.ID, other.ID, "good"},
				{"no such tenant", invited.ID, uuid.Must(uuid.NewV7()), "good"},
				{"no such user", uuid.Must(uuid.NewV7()), f.org.ID, "good"},
			} {
				_, err := s.AcceptInvitation(t.Context(), c.user, c.tenant, tokenHash(c.secret), tenantry.AuditEntry{})
				wantErr(t, c.name, err, tenantry.ErrInvitationNotFound)
			}
			for _, u := range []tenantry.User{invited, stranger} {
				for _, org := range []uuid.UUID{f.org.ID, other.ID} {
					err := s.View(t.Context(), u.ID, org, func(tenantry.TenantAccess) error { return nil })
					wantErr(t, u.Email+" is no member after refused accepts", err, tenantry.ErrNotMember)
				}
			}
		}},
		{"Isolation/Invitations", func(t *testing.T, s tenantry.Store) {
			w := newWorld(t, s)
			victimInv := mustInvite(t, s, w.victim.ID, w.victimOrg.ID, "friend@example.com", tenantry.RoleAdmin, "victim-secret", time.Hour)
			own := mustInvite(t, s, w.attacker.ID, w.attackerOrg.ID, "accomplice@example.com", tenantry.RoleMember, "attacker-secret", time.Hour)
			before := readVictim(t, s, w)
			for _, tenant := range []uuid.UUID{w.attacker.ID, w.attackerOrg.ID} {
				err := s.Update(t.Context(), w.attacker.ID, tenant, func(tx tenantry.TenantAccess) error {
					return tx.RevokeInvitation(t.Context(), victimInv.ID)
				})
				wantErr(t, "revoke the victim's invitation", err, tenantry.ErrInvitationNotFound)
			}
			wantInvitationIDs(t, "attacker's list", pendingInvitations(t, s, w.attacker.ID, w.attackerOrg.ID), own.ID)
			wantInvitationIDs(t, "attacker's personal list", pendingInvitations(t, s, w.attacker.ID, w.attacker.ID))
			err := s.View(t.Context(), w.attacker.ID, w.victimOrg.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.Invitations(t.Context(), tenantry.Page{})
				return err
			})
			wantErr(t, "list the victim org's invitations", err, tenantry.ErrNotMember)
			// The victim's token, named with the attacker's own org: nothing.
			_, err = s.AcceptInvitation(t.Context(), w.attacker.ID, w.attackerOrg.ID, tokenHash("victim-secret"), tenantry.AuditEntry{})
			wantErr(t, "accept the victim's token in one's own org", err, tenantry.ErrInvitationNotFound)
			// The victim's token in the victim's org, by the wrong account.
			_, err = s.AcceptInvitation(t.Context(), w.attacker.ID, w.victimOrg.ID, tokenHash("victim-secret"), tenantry.AuditEntry{})
			wantErr(t, "accept the victim's invitation as another user", err, tenantry.ErrInvitationNotFound)
			wantVictimUnchanged(t, s, w, before)
			got := pendingInvitations(t, s, w.victim.ID, w.victimOrg.ID)
			wantInvitationIDs(t, "victim's invitations re-read", got, victimInv.ID)
			if got[0] != victimInv {
				t.Errorf("victim's invitation re-read %+v, want %+v", got[0], victimInv)
			}
		}},
	}
}
