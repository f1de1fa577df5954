package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

func userCases() []testCase {
	return []testCase{
		{"CreateUser/LowerCasesEmail", func(t *testing.T, s tenantry.Store) {
			u, err := s.CreateUser(t.Context(), "Alice@Example.COM", "hash")
			noErr(t, "CreateUser", err)
			if got, want := u.Email, "alice@example.com"; got != want {
				t.Errorf("Email = %q, want %q", got, want)
			}
			if u.ID == uuid.Nil {
				t.Error("ID is nil")
			}
			if got, want := u.PasswordHash, "hash"; got != want {
				t.Errorf("PasswordHash = %q, want %q", got, want)
			}
			if got, want := u.AuthVersion, int64(1); got != want {
				t.Errorf("AuthVersion = %d, want %d", got, want)
			}
			checkTime(t, "CreatedAt", u.CreatedAt)
			got, err := s.UserByID(t.Context(), u.ID)
			noErr(t, "UserByID", err)
			if got.Email != u.Email || got.PasswordHash != u.PasswordHash || got.AuthVersion != u.AuthVersion ||
				!got.CreatedAt.Equal(u.CreatedAt) {
				t.Errorf("UserByID = %+v, want %+v", got, u)
			}
		}},
		{"CreateUser/PersonalTenant", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "alice@example.com")
			mustView(t, s, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				want := tenantry.Scope{UserID: u.ID, TenantID: u.ID, Kind: tenantry.KindPersonal, Role: tenantry.RoleOwner}
				if got := tx.Scope(); got != want {
					t.Errorf("Scope = %+v, want %+v", got, want)
				}
				tn, err := tx.Tenant(t.Context())
				noErr(t, "Tenant", err)
				if tn.ID != u.ID || tn.Kind != tenantry.KindPersonal {
					t.Errorf("Tenant = %+v, want id %v kind personal", tn, u.ID)
				}
				checkTime(t, "Tenant.CreatedAt", tn.CreatedAt)
				ms, err := tx.Members(t.Context(), tenantry.Page{})
				noErr(t, "Members", err)
				if len(ms) != 1 || ms[0].UserID != u.ID || ms[0].Role != tenantry.RoleOwner ||
					ms[0].Email != u.Email || ms[0].TenantID != u.ID {
					t.Errorf("Members = %+v, want only %v as owner", ms, u.ID)
				}
				return nil
			})
			orgs, err := s.UserOrgs(t.Context(), u.ID, tenantry.Page{})
			noErr(t, "UserOrgs", err)
			if len(orgs) != 0 {
				t.Errorf("UserOrgs = %+v, want none (the personal tenant is not an org)", orgs)
			}
		}},
		{"CreateUser/EmailTakenAnyCase", func(t *testing.T, s tenantry.Store) {
			first := mustUser(t, s, "alice@example.com")
			for _, email := range []string{"alice@example.com", "ALICE@example.com", "Alice@Example.Com"} {
				_, err := s.CreateUser(t.Context(), email, "other")
				wantErr(t, "CreateUser "+email, err, tenantry.ErrEmailTaken)
			}
			got, err := s.UserByEmail(t.Context(), "alice@example.com")
			noErr(t, "UserByEmail", err)
			if got.ID != first.ID || got.PasswordHash != first.PasswordHash {
				t.Errorf("UserByEmail = %+v, want the first account %+v unchanged", got, first)
			}
		}},
		{"UserByEmail", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			mustUser(t, s, "carol@example.com")
			for _, email := range []string{"bob@example.com", "BOB@EXAMPLE.COM", "Bob@example.com"} {
				got, err := s.UserByEmail(t.Context(), email)
				noErr(t, "UserByEmail "+email, err)
				if got.ID != u.ID || got.Email != u.Email {
					t.Errorf("UserByEmail(%q) = %+v, want %+v", email, got, u)
				}
			}
			_, err := s.UserByEmail(t.Context(), "nobody@example.com")
			wantErr(t, "UserByEmail unknown", err, tenantry.ErrUserNotFound)
		}},
		{"UserByID", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			got, err := s.UserByID(t.Context(), u.ID)
			noErr(t, "UserByID", err)
			if got.ID != u.ID || got.Email != u.Email {
				t.Errorf("UserByID = %+v, want %+v", got, u)
			}
			checkTime(t, "CreatedAt", got.CreatedAt)
			_, err = s.UserByID(t.Context(), uuid.New())
			wantErr(t, "UserByID unknown", err, tenantry.ErrUserNotFound)
		}},
		{"SetPassword", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			other := mustUser(t, s, "carol@example.com")
			now := time.Now()
			mine := tenantry.Session{IDHash: []byte("mine-hash"), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
			theirs := tenantry.Session{IDHash: []byte("their-hash"), UserID: other.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
			noErr(t, "CreateSession", s.CreateSession(t.Context(), mine, nil))
			noErr(t, "CreateSession", s.CreateSession(t.Context(), theirs, nil))

			got, err := s.SetPassword(t.Context(), u.ID, "new-hash", nil)
			noErr(t, "SetPassword", err)
			if got.ID != u.ID || got.PasswordHash != "new-hash" || got.AuthVersion != u.AuthVersion+1 {
				t.Errorf("SetPassword = %+v, want new hash and AuthVersion %d", got, u.AuthVersion+1)
			}
			reread, err := s.UserByID(t.Context(), u.ID)
			noErr(t, "UserByID", err)
			if reread.PasswordHash != "new-hash" || reread.AuthVersion != u.AuthVersion+1 {
				t.Errorf("UserByID after SetPassword = %+v", reread)
			}
			_, _, err = s.SessionUser(t.Context(), mine.IDHash, time.Hour)
			wantErr(t, "SessionUser after SetPassword", err, tenantry.ErrSessionNotFound)
			if _, _, err := s.SessionUser(t.Context(), theirs.IDHash, time.Hour); err != nil {
				t.Errorf("another user's session: %v, want it untouched", err)
			}
			again, err := s.SetPassword(t.Context(), u.ID, "newer-hash", nil)
			noErr(t, "SetPassword again", err)
			if got, want := again.AuthVersion, u.AuthVersion+2; got != want {
				t.Errorf("AuthVersion = %d, want %d", got, want)
			}
			_, err = s.SetPassword(t.Context(), uuid.New(), "x", nil)
			wantErr(t, "SetPassword unknown", err, tenantry.ErrUserNotFound)
		}},
		{"TokenUser/RevokeToken", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			got, revoked, err := s.TokenUser(t.Context(), u.ID, "token-1")
			noErr(t, "TokenUser", err)
			if got.ID != u.ID || got.Email != u.Email || got.AuthVersion != u.AuthVersion || revoked {
				t.Errorf("TokenUser = %+v, %v; want %+v, false", got, revoked, u)
			}
			exp := time.Now().Add(time.Hour)
			noErr(t, "RevokeToken", s.RevokeToken(t.Context(), "token-1", exp, nil))
			noErr(t, "RevokeToken twice", s.RevokeToken(t.Context(), "token-1", exp, nil))
			if _, revoked, err := s.TokenUser(t.Context(), u.ID, "token-1"); err != nil || !revoked {
				t.Errorf("TokenUser revoked = %v, %v; want true, nil", revoked, err)
			}
			if _, revoked, err := s.TokenUser(t.Context(), u.ID, "token-2"); err != nil || revoked {
				t.Errorf("TokenUser other token revoked = %v, %v; want false, nil", revoked, err)
			}
			_, _, err = s.TokenUser(t.Context(), uuid.New(), "token-2")
			wantErr(t, "TokenUser unknown user", err, tenantry.ErrUserNotFound)
		}},
		{"DeleteUser/Cascades", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			gone := mustUser(t, s, "gone@example.com")
			org := mustOrg(t, s, owner, "Acme")
			mustAddMember(t, s, owner, org.ID, gone, tenantry.RoleAdmin)
			mustTask(t, s, gone.ID, gone.ID, tenantry.NewTask{Title: "personal"})
			assigned := mustTask(t, s, owner.ID, org.ID, tenantry.NewTask{Title: "org", AssignedUserID: &gone.ID})
			keep := mustTask(t, s, owner.ID, org.ID, tenantry.NewTask{Title: "owner's", AssignedUserID: &owner.ID})
			now := time.Now()
			sess := tenantry.Session{IDHash: []byte("gone-session"), UserID: gone.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
			noErr(t, "CreateSession", s.CreateSession(t.Context(), sess, nil))

			noErr(t, "DeleteUser", s.DeleteUser(t.Context(), gone.ID))

			_, err := s.UserByID(t.Context(), gone.ID)
			wantErr(t, "UserByID", err, tenantry.ErrUserNotFound)
			_, err = s.UserByEmail(t.Context(), gone.Email)
			wantErr(t, "UserByEmail", err, tenantry.ErrUserNotFound)
			_, _, err = s.TokenUser(t.Context(), gone.ID, "t")
			wantErr(t, "TokenUser", err, tenantry.ErrUserNotFound)
			_, _, err = s.SessionUser(t.Context(), sess.IDHash, time.Hour)
			wantErr(t, "SessionUser", err, tenantry.ErrSessionNotFound)
			err = s.View(t.Context(), gone.ID, gone.ID, func(tenantry.TenantAccess) error { return nil })
			wantErr(t, "View own personal tenant", err, tenantry.ErrNotMember)
			err = s.View(t.Context(), gone.ID, org.ID, func(tenantry.TenantAccess) error { return nil })
			wantErr(t, "View org", err, tenantry.ErrNotMember)

			if got := readTask(t, s, owner.ID, org.ID, assigned.ID); got.AssignedUserID != nil {
				t.Errorf("org task assignee = %v, want unassigned", *got.AssignedUserID)
			}
			wantTask(t, "other org task", readTask(t, s, owner.ID, org.ID, keep.ID), keep)
			ms := readMembers(t, s, owner.ID, org.ID)
			if len(ms) != 1 || ms[0].UserID != owner.ID {
				t.Errorf("org members = %+v, want only the owner", ms)
			}
			// The email is free again, and the new account starts empty.
			again := mustUser(t, s, "gone@example.com")
			if again.ID == gone.ID {
				t.Fatalf("new account reused the deleted id")
			}
			if got := allTasks(t, s, again.ID, again.ID, nil); len(got) != 0 {
				t.Errorf("new account's tasks = %v, want none", taskIDs(got))
			}
		}},
		{"DeleteUser/LastOwnerOfOrgWithMembers", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			member := mustUser(t, s, "member@example.com")
			org := mustOrg(t, s, owner, "Acme")
			mustAddMember(t, s, owner, org.ID, member, tenantry.RoleAdmin)
			personal := mustTask(t, s, owner.ID, owner.ID, tenantry.NewTask{Title: "mine"})
			orgTask := mustTask(t, s, owner.ID, org.ID, tenantry.NewTask{Title: "org", AssignedUserID: &owner.ID})
			members := readMembers(t, s, owner.ID, org.ID)

			err := s.DeleteUser(t.Context(), owner.ID)
			wantErr(t, "DeleteUser", err, tenantry.ErrLastOwner)

			// Nothing was deleted: not the account, its tasks, nor its memberships.
			if _, err := s.UserByID(t.Context(), owner.ID); err != nil {
				t.Fatalf("UserByID after refused delete: %v", err)
			}
			wantTask(t, "personal task", readTask(t, s, owner.ID, owner.ID, personal.ID), personal)
			wantTask(t, "org task", readTask(t, s, owner.ID, org.ID, orgTask.ID), orgTask)
			wantMembers(t, "org members", readMembers(t, s, owner.ID, org.ID), members)

			// With a second owner, the first may go.
			mustUpdate(t, s, owner.ID, org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.SetRole(t.Context(), member.ID, tenantry.RoleOwner)
				return err
			})
			noErr(t, "DeleteUser with another owner", s.DeleteUser(t.Context(), owner.ID))
			ms := readMembers(t, s, member.ID, org.ID)
			if len(ms) != 1 || ms[0].UserID != member.ID || ms[0].Role != tenantry.RoleOwner {
				t.Errorf("members = %+v, want only the new owner", ms)
			}
			if got := readTask(t, s, member.ID, org.ID, orgTask.ID); got.AssignedUserID != nil {
				t.Errorf("org task assignee = %v, want unassigned", *got.AssignedUserID)
			}
		}},
		{"DeleteUser/LoneOrgGoesWithIt", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			org := mustOrg(t, s, owner, "Solo")
			mustTask(t, s, owner.ID, org.ID, tenantry.NewTask{Title: "solo", AssignedUserID: &owner.ID})
			noErr(t, "DeleteUser", s.DeleteUser(t.Context(), owner.ID))
			_, err := s.UserByID(t.Context(), owner.ID)
			wantErr(t, "UserByID", err, tenantry.ErrUserNotFound)
			err = s.View(t.Context(), owner.ID, org.ID, func(tenantry.TenantAccess) error { return nil })
			wantErr(t, "View org", err, tenantry.ErrNotMember)
		}},
	}
}
