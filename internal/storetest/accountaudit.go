package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// src is the request an account's entry comes from.
func src(reqID string) tenantry.AuditEntry {
	return tenantry.AuditEntry{IP: "198.51.100.7", RequestID: reqID}
}

// accountEntry is an entry of u's own log with src's address.
func accountEntry(u tenantry.User, action, reqID string) *tenantry.AuditEntry {
	e := src(reqID)
	e.Action, e.ActorUserID, e.TargetType, e.TargetID = action, u.ID, "user", u.ID.String()
	return &e
}

// testSession is a live session of u with a hash of its own.
func testSession(u tenantry.User, name string) tenantry.Session {
	h := sha256.Sum256([]byte(name))
	now := time.Now().UTC()
	return tenantry.Session{IDHash: h[:], UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
}

func accountAuditCases() []testCase {
	return []testCase{
		{"Audit/AccountChangesAreRecordedInThePersonalTenant", func(t *testing.T, s tenantry.Store) {
			ctx := t.Context()
			bob := mustUser(t, s, "bob@example.com")
			org := mustOrg(t, s, bob, "Acme")
			sess := testSession(bob, "one")
			noErr(t, "CreateSession", s.CreateSession(ctx, sess, accountEntry(bob, tenantry.AuditLogin, "req-login")))
			noErr(t, "DeleteSession", s.DeleteSession(ctx, sess.IDHash, accountEntry(bob, tenantry.AuditLogout, "req-logout")))
			noErr(t, "RevokeToken", s.RevokeToken(ctx, "jti-1", time.Now().Add(time.Hour), accountEntry(bob, tenantry.AuditLogout, "req-revoke")))
			_, err := s.SetPassword(ctx, bob.ID, "new-hash", accountEntry(bob, tenantry.AuditPassword, "req-password"))
			noErr(t, "SetPassword", err)
			tok, err := s.CreateAPIToken(ctx, newAPIToken(bob, org.ID, "secret-hash-1", tenantry.ScopeRead, nil), src("req-token"))
			noErr(t, "CreateAPIToken", err)
			noErr(t, "DeleteAPIToken", s.DeleteAPIToken(ctx, bob.ID, tok.ID, src("req-revoke-token")))
			a := mustAPIToken(t, s, newAPIToken(bob, bob.ID, "secret-hash-2", tenantry.ScopeWrite, nil))
			b := mustAPIToken(t, s, newAPIToken(bob, org.ID, "secret-hash-3", tenantry.ScopeRead, nil))
			noErr(t, "DeleteAPITokens", s.DeleteAPITokens(ctx, bob.ID, src("req-revoke-all")))
			// Without an entry, nothing is recorded.
			noErr(t, "CreateSession without audit", s.CreateSession(ctx, testSession(bob, "two"), nil))

			es := auditEntries(t, s, bob.ID, bob.ID, tenantry.AuditFilter{})
			type want struct{ action, reqID, target string }
			wants := []want{
				{tenantry.AuditTokenRevoke, "req-revoke-all", ""}, {tenantry.AuditTokenRevoke, "req-revoke-all", ""},
				// a and b, created with an empty source
				{tenantry.AuditTokenCreate, "", b.ID.String()}, {tenantry.AuditTokenCreate, "", a.ID.String()},
				{tenantry.AuditTokenRevoke, "req-revoke-token", tok.ID.String()},
				{tenantry.AuditTokenCreate, "req-token", tok.ID.String()},
				{tenantry.AuditPassword, "req-password", bob.ID.String()},
				{tenantry.AuditLogout, "req-revoke", bob.ID.String()},
				{tenantry.AuditLogout, "req-logout", bob.ID.String()},
				{tenantry.AuditLogin, "req-login", bob.ID.String()},
			}
			if len(es) != len(wants) {
				t.Fatalf("%d entries %+v, want %d", len(es), es, len(wants))
			}
			for i, w := range wants {
				e := es[i]
				if e.Action != w.action || e.RequestID != w.reqID || (w.target != "" && e.TargetID != w.target) ||
					e.ActorUserID != bob.ID || e.TenantID != bob.ID {
					t.Errorf("entry %d = %+v, want %+v by bob in his own tenant", i, e, w)
				}
				if w.reqID != "" && e.IP != "198.51.100.7" {
					t.Errorf("entry %d IP = %q", i, e.IP)
				}
				checkTime(t, "At", e.At)
			}
			revoked := map[string]bool{es[0].TargetID: true, es[1].TargetID: true}
			if !revoked[a.ID.String()] || !revoked[b.ID.String()] {
				t.Errorf("revoke-all entries name %v, want %s and %s", revoked, a.ID, b.ID)
			}
			if c := es[5]; c.TargetType != "api_token" || c.Details["name"] != tok.Name || c.Details["scope"] != "read" ||
				c.Details["tenant_id"] != org.ID.String() {
				t.Errorf("token.create = %+v", c)
			}
			if r := es[4]; r.TargetType != "api_token" || r.Details["name"] != tok.Name {
				t.Errorf("token.revoke = %+v", r)
			}
			for _, e := range es {
				for _, v := range e.Details {
					if str, ok := v.(string); ok && (str == "secret-hash-1" || str == "new-hash") {
						t.Errorf("entry %+v holds a secret", e)
					}
				}
			}
			// The organization's log holds none of it.
			if got := auditEntries(t, s, bob.ID, org.ID, tenantry.AuditFilter{}); len(got) != 0 {
				t.Errorf("the organization's log = %+v, want nothing", got)
			}
		}},
		{"Audit/AccountChangeIsKeptOnlyWithItsEntry", func(t *testing.T, s tenantry.Store) {
			ctx := t.Context()
			bob := mustUser(t, s, "bob@example.com")
			sess := testSession(bob, "one")
			noErr(t, "CreateSession", s.CreateSession(ctx, sess, nil))
			bad := &tenantry.AuditEntry{Action: ""} // the table's CHECK refuses it
			if _, err := s.SetPassword(ctx, bob.ID, "new-hash", bad); err == nil {
				t.Fatal("SetPassword with a failing entry succeeded")
			}
			if u, err := s.UserByID(ctx, bob.ID); err != nil || u.PasswordHash != bob.PasswordHash || u.AuthVersion != bob.AuthVersion {
				t.Errorf("after a failed SetPassword: %+v, %v; want the old hash and version", u, err)
			}
			if _, _, err := s.SessionUser(ctx, sess.IDHash, time.Hour); err != nil {
				t.Errorf("the session ended with a failed SetPassword: %v", err)
			}
			other := testSession(bob, "two")
			if err := s.CreateSession(ctx, other, bad); err == nil {
				t.Fatal("CreateSession with a failing entry succeeded")
			}
			_, _, err := s.SessionUser(ctx, other.IDHash, time.Hour)
			wantErr(t, "SessionUser of the unrecorded session", err, tenantry.ErrSessionNotFound)
			if err := s.DeleteSession(ctx, sess.IDHash, bad); err == nil {
				t.Fatal("DeleteSession with a failing entry succeeded")
			}
			if _, _, err := s.SessionUser(ctx, sess.IDHash, time.Hour); err != nil {
				t.Errorf("the session ended without its entry: %v", err)
			}
			if got := auditEntries(t, s, bob.ID, bob.ID, tenantry.AuditFilter{}); len(got) != 0 {
				t.Errorf("entries = %+v, want none", got)
			}
		}},
		{"Isolation/AnotherUsersTokenIsNeitherRevokedNorRecorded", func(t *testing.T, s tenantry.Store) {
			ctx := t.Context()
			bob := mustUser(t, s, "bob@example.com")
			mallory := mustUser(t, s, "mallory@example.com")
			tok := mustAPIToken(t, s, newAPIToken(bob, bob.ID, "bob-hash", tenantry.ScopeRead, nil))
			before := auditEntries(t, s, bob.ID, bob.ID, tenantry.AuditFilter{})
			wantErr(t, "DeleteAPIToken of bob's", s.DeleteAPIToken(ctx, mallory.ID, tok.ID, src("req-evil")), tenantry.ErrAPITokenNotFound)
			noErr(t, "DeleteAPITokens", s.DeleteAPITokens(ctx, mallory.ID, src("req-evil")))
			if _, _, err := s.APITokenUser(ctx, []byte("bob-hash"), time.Now()); err != nil {
				t.Errorf("bob's token stopped working: %v", err)
			}
			if after := auditEntries(t, s, bob.ID, bob.ID, tenantry.AuditFilter{}); len(after) != len(before) {
				t.Errorf("bob's log = %+v, was %+v", after, before)
			}
			if got := auditEntries(t, s, mallory.ID, mallory.ID, tenantry.AuditFilter{}); len(got) != 0 {
				t.Errorf("mallory's log = %+v, want nothing", got)
			}
		}},
		{"Audit/DeniedIsRecordedInTheNamedTenantOnly", func(t *testing.T, s tenantry.Store) {
			ctx := t.Context()
			victim := newOrg(t, s)
			mallory := mustUser(t, s, "mallory@example.com")
			e := tenantry.AuditEntry{
				// The store writes access.denied whatever the action says.
				Action: tenantry.AuditTaskDelete, ActorUserID: mallory.ID, TargetType: "tenant", TargetID: victim.org.ID.String(),
				IP: "203.0.113.9", RequestID: "req-denied", Details: map[string]any{"kind": "org_not_member", "count": 1},
			}
			noErr(t, "AuditDenied", s.AuditDenied(ctx, victim.org.ID, e))
			noErr(t, "AuditDenied in a personal tenant", s.AuditDenied(ctx, victim.owner.ID, e))
			// A tenant that does not exist: nothing, and no error.
			noErr(t, "AuditDenied of no tenant", s.AuditDenied(ctx, uuid.New(), e))

			es := auditEntries(t, s, victim.owner.ID, victim.org.ID, tenantry.AuditFilter{})
			if len(es) != 1 {
				t.Fatalf("victim's log = %+v, want one entry", es)
			}
			d := es[0]
			if d.Action != tenantry.AuditAccessDenied || d.ActorUserID != mallory.ID || d.TenantID != victim.org.ID ||
				d.IP != "203.0.113.9" || d.RequestID != "req-denied" || d.Details["kind"] != "org_not_member" ||
				d.Details["count"] != float64(1) || d.TargetID != victim.org.ID.String() {
				t.Errorf("denied entry = %+v", d)
			}
			checkTime(t, "At", d.At)
			if got := auditEntries(t, s, victim.owner.ID, victim.owner.ID, tenantry.AuditFilter{}); len(got) != 1 || got[0].Action != tenantry.AuditAccessDenied {
				t.Errorf("owner's personal log = %+v, want the one denial", got)
			}
			if got := auditEntries(t, s, mallory.ID, mallory.ID, tenantry.AuditFilter{}); len(got) != 0 {
				t.Errorf("mallory's own log = %+v, want nothing", got)
			}
			// Recording a denial gives mallory no way in.
			wantErr(t, "View victim", s.View(ctx, mallory.ID, victim.org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.AuditEntries(ctx, tenantry.AuditFilter{})
				return err
			}), tenantry.ErrNotMember)
		}},
	}
}
