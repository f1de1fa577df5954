package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

func memberCases() []testCase {
	return []testCase{
		{"Member/Add", func(t *testing.T, s tenantry.Store) {
			owner := mustUser(t, s, "owner@example.com")
			bob := mustUser(t, s, "bob@example.com")
			carol := mustUser(t, s, "carol@example.com")
			org := mustOrg(t, s, owner, "Acme")
			mustUpdate(t, s, owner.ID, org.ID, func(tx tenantry.TenantAccess) error {
				m, err := tx.AddMember(t.Context(), bob.ID, tenantry.RoleAdmin)
				noErr(t, "AddMember", err)
				if m.TenantID != org.ID || m.UserID != bob.ID || m.Email != bob.Email || m.Role != tenantry.RoleAdmin {
					t.Errorf("AddMember = %+v, want bob as admin of %v", m, org.ID)
				}
				checkTime(t, "CreatedAt", m.CreatedAt)
				got, err := tx.Member(t.Context(), bob.ID)
				noErr(t, "Member", err)
				if got.UserID != bob.ID || got.Role != tenantry.RoleAdmin || got.Email != bob.Email || !got.CreatedAt.Equal(m.CreatedAt) {
					t.Errorf("Member = %+v, want %+v", got, m)
				}
				_, err = tx.AddMember(t.Context(), bob.ID, tenantry.RoleMember)
				wantErr(t, "AddMember again", err, tenantry.ErrAlreadyMember)
				_, err = tx.AddMember(t.Context(), owner.ID, tenantry.RoleMember)
				wantErr(t, "AddMember owner", err, tenantry.ErrAlreadyMember)
				_, err = tx.AddMember(t.Context(), uuid.New(), tenantry.RoleMember)
				wantErr(t, "AddMember unknown user", err, tenantry.ErrUserNotFound)
				_, err = tx.Member(t.Context(), carol.ID)
				wantErr(t, "Member not a member", err, tenantry.ErrMemberNotFound)
				_, err = tx.AddMember(t.Context(), carol.ID, tenantry.RoleMember)
				return err
			})
			ms := readMembers(t, s, bob.ID, org.ID)
			if len(ms) != 3 || ms[0].UserID != owner.ID || ms[1].UserID != bob.ID || ms[2].UserID != carol.ID {
				t.Fatalf("Members = %+v, want owner, bob, carol (oldest first)", ms)
			}
			if ms[1].Role != tenantry.RoleAdmin || ms[2].Role != tenantry.RoleMember {
				t.Errorf("roles = %v, %v; want admin, member (the refused re-add changed nothing)", ms[1].Role, ms[2].Role)
			}
			orgs, err := s.UserOrgs(t.Context(), carol.ID, tenantry.Page{})
			noErr(t, "UserOrgs", err)
			if len(orgs) != 1 || orgs[0].Org.ID != org.ID || orgs[0].Role != tenantry.RoleMember {
				t.Errorf("UserOrgs(carol) = %+v, want Acme as member", orgs)
			}
		}},
		{"Member/SetRole", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			stranger := mustUser(t, s, "stranger@example.com")
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				m, err := tx.SetRole(t.Context(), f.member.ID, tenantry.RoleAdmin)
				noErr(t, "SetRole", err)
				if m.UserID != f.member.ID || m.Role != tenantry.RoleAdmin || m.Email != f.member.Email {
					t.Errorf("SetRole = %+v, want member as admin", m)
				}
				_, err = tx.SetRole(t.Context(), stranger.ID, tenantry.RoleAdmin)
				wantErr(t, "SetRole non-member", err, tenantry.ErrMemberNotFound)
				_, err = tx.SetRole(t.Context(), uuid.New(), tenantry.RoleAdmin)
				wantErr(t, "SetRole unknown user", err, tenantry.ErrMemberNotFound)
				return nil
			})
			mustView(t, s, f.member.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				if got, want := tx.Scope().Role, tenantry.RoleAdmin; got != want {
					t.Errorf("Scope().Role = %v, want %v", got, want)
				}
				return nil
			})
			if err := s.View(t.Context(), stranger.ID, f.org.ID, func(tenantry.TenantAccess) error { return nil }); err == nil {
				t.Error("SetRole on a non-member made them a member")
			}
		}},
		{"Member/LastOwner", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			before := readMembers(t, s, f.owner.ID, f.org.ID)
			err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.SetRole(t.Context(), f.owner.ID, tenantry.RoleAdmin)
				return err
			})
			wantErr(t, "demote last owner", err, tenantry.ErrLastOwner)
			err = s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				return tx.RemoveMember(t.Context(), f.owner.ID)
			})
			wantErr(t, "remove last owner", err, tenantry.ErrLastOwner)
			wantMembers(t, "members after refusals", readMembers(t, s, f.owner.ID, f.org.ID), before)

			// With two owners, either may step down, but not both.
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.SetRole(t.Context(), f.member.ID, tenantry.RoleOwner)
				return err
			})
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.SetRole(t.Context(), f.owner.ID, tenantry.RoleMember)
				return err
			})
			err = s.Update(t.Context(), f.member.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				return tx.RemoveMember(t.Context(), f.member.ID)
			})
			wantErr(t, "remove the new last owner", err, tenantry.ErrLastOwner)
			mustUpdate(t, s, f.member.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.SetRole(t.Context(), f.member.ID, tenantry.RoleOwner) // owner to owner is no demotion
				noErr(t, "SetRole owner to owner", err)
				return tx.RemoveMember(t.Context(), f.owner.ID) // no longer an owner
			})
			ms := readMembers(t, s, f.member.ID, f.org.ID)
			if len(ms) != 1 || ms[0].UserID != f.member.ID || ms[0].Role != tenantry.RoleOwner {
				t.Errorf("members = %+v, want only the new owner", ms)
			}
		}},
		{"Member/LastOwnerUnderConcurrency", func(t *testing.T, s tenantry.Store) {
			// Two owners step down, or remove each other, at the same time: the
			// owner check and the write must be atomic, so one always stays.
			witness := mustUser(t, s, "witness@example.com")
			const rounds = 8
			for round := range rounds {
				a := mustUser(t, s, fmt.Sprintf("a%d@example.com", round))
				b := mustUser(t, s, fmt.Sprintf("b%d@example.com", round))
				org := mustOrg(t, s, a, "Race")
				mustAddMember(t, s, a, org.ID, b, tenantry.RoleOwner)
				mustAddMember(t, s, a, org.ID, witness, tenantry.RoleMember)
				step := func(self, other tenantry.User) func(tx tenantry.TenantAccess) error {
					if round%2 == 0 {
						return func(tx tenantry.TenantAccess) error {
							_, err := tx.SetRole(t.Context(), self.ID, tenantry.RoleMember)
							return err
						}
					}
					return func(tx tenantry.TenantAccess) error { return tx.RemoveMember(t.Context(), other.ID) }
				}
				var wg sync.WaitGroup
				errs := make([]error, 2)
				wg.Add(2)
				go func() { defer wg.Done(); errs[0] = s.Update(t.Context(), a.ID, org.ID, step(a, b)) }()
				go func() { defer wg.Done(); errs[1] = s.Update(t.Context(), b.ID, org.ID, step(b, a)) }()
				wg.Wait()
				if errs[0] == nil && errs[1] == nil {
					t.Errorf("round %d: both owners stepped down", round)
				}
				for _, err := range errs {
					if err != nil && !errors.Is(err, tenantry.ErrLastOwner) && !errors.Is(err, tenantry.ErrNotMember) &&
						!errors.Is(err, tenantry.ErrMemberNotFound) {
						t.Errorf("round %d: unexpected error %v", round, err)
					}
				}
				owners := 0
				for _, m := range readMembers(t, s, witness.ID, org.ID) {
					if m.Role == tenantry.RoleOwner {
						owners++
					}
				}
				if owners != 1 {
					t.Errorf("round %d: %d owners left, want 1", round, owners)
				}
			}
		}},
		{"Member/RemoveUnassignsTasks", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			theirs := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "theirs", AssignedUserID: &f.member.ID})
			mine := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "mine", AssignedUserID: &f.owner.ID})
			// The member also works in another org and on their own; those
			// assignments are not this org's to undo.
			elsewhere := mustOrg(t, s, f.member, "Elsewhere")
			otherOrgTask := mustTask(t, s, f.member.ID, elsewhere.ID, tenantry.NewTask{Title: "other org", AssignedUserID: &f.member.ID})
			personalTask := mustTask(t, s, f.member.ID, f.member.ID, tenantry.NewTask{Title: "own", AssignedUserID: &f.member.ID})
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				noErr(t, "RemoveMember", tx.RemoveMember(t.Context(), f.member.ID))
				_, err := tx.Member(t.Context(), f.member.ID)
				wantErr(t, "Member after removal", err, tenantry.ErrMemberNotFound)
				wantErr(t, "RemoveMember again", tx.RemoveMember(t.Context(), f.member.ID), tenantry.ErrMemberNotFound)
				return nil
			})
			got := readTask(t, s, f.owner.ID, f.org.ID, theirs.ID)
			if got.AssignedUserID != nil {
				t.Errorf("removed member's task assignee = %v, want unassigned", *got.AssignedUserID)
			}
			if got.Title != theirs.Title {
				t.Errorf("removed member's task title = %q, want it kept", got.Title)
			}
			wantTask(t, "owner's task", readTask(t, s, f.owner.ID, f.org.ID, mine.ID), mine)
			err := s.View(t.Context(), f.member.ID, f.org.ID, func(tenantry.TenantAccess) error { return nil })
			wantErr(t, "removed member View", err, tenantry.ErrNotMember)
			// The removed user's account, personal tenant and other orgs are untouched.
			wantTask(t, "task in the member's other org", readTask(t, s, f.member.ID, elsewhere.ID, otherOrgTask.ID), otherOrgTask)
			wantTask(t, "member's personal task", readTask(t, s, f.member.ID, f.member.ID, personalTask.ID), personalTask)
		}},
		{"Member/AssigneeMustBeMember", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			stranger := mustUser(t, s, "stranger@example.com")
			task := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "t", AssignedUserID: &f.member.ID})
			for _, who := range []struct {
				name string
				id   uuid.UUID
			}{{"a user of another tenant", stranger.ID}, {"no user at all", uuid.New()}} {
				err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
					_, err := tx.CreateTask(t.Context(), tenantry.NewTask{Title: "new", AssignedUserID: &who.id})
					return err
				})
				wantErr(t, "CreateTask assigned to "+who.name, err, tenantry.ErrAssigneeNotMember)
				err = s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
					_, err := tx.ReplaceTask(t.Context(), task.ID, tenantry.NewTask{Title: "new", AssignedUserID: &who.id})
					return err
				})
				wantErr(t, "ReplaceTask assigned to "+who.name, err, tenantry.ErrAssigneeNotMember)
				err = s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
					_, err := tx.PatchTask(t.Context(), task.ID, tenantry.TaskPatch{SetAssignee: true, AssignedUserID: &who.id})
					return err
				})
				wantErr(t, "PatchTask assigned to "+who.name, err, tenantry.ErrAssigneeNotMember)
			}
			wantTasks(t, "tasks", allTasks(t, s, f.owner.ID, f.org.ID, nil), []tenantry.Task{task})
			// A member of the tenant may be assigned in a personal tenant too: its owner.
			own := mustTask(t, s, stranger.ID, stranger.ID, tenantry.NewTask{Title: "self", AssignedUserID: &stranger.ID})
			if idp(own.AssignedUserID) != stranger.ID.String() {
				t.Errorf("self-assigned task = %v", idp(own.AssignedUserID))
			}
		}},
	}
}
