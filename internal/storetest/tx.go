package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
)

func txCases() []testCase {
	return []testCase{
		{"Tx/UpdateRollsBackOnError", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			stranger := mustUser(t, s, "stranger@example.com")
			kept := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "kept", AssignedUserID: &f.member.ID})
			members := readMembers(t, s, f.owner.ID, f.org.ID)
			errBoom := errors.New("boom")
			err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				if _, err := tx.CreateTask(t.Context(), tenantry.NewTask{Title: "half-written"}); err != nil {
					return err
				}
				if _, err := tx.PatchTask(t.Context(), kept.ID, tenantry.TaskPatch{Title: ptr("changed")}); err != nil {
					return err
				}
				if _, err := tx.AddMember(t.Context(), stranger.ID, tenantry.RoleAdmin); err != nil {
					return err
				}
				if _, err := tx.SetRole(t.Context(), f.member.ID, tenantry.RoleOwner); err != nil {
					return err
				}
				if err := tx.RemoveMember(t.Context(), f.member.ID); err != nil {
					return err
				}
				return errBoom
			})
			wantErr(t, "Update", err, errBoom)
			wantTasks(t, "tasks after rollback", allTasks(t, s, f.owner.ID, f.org.ID, nil), []tenantry.Task{kept})
			wantMembers(t, "members after rollback", readMembers(t, s, f.owner.ID, f.org.ID), members)
		}},
		{"Tx/UpdateRollsBackOnDomainError", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			err := s.Update(t.Context(), u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				if _, err := tx.CreateTask(t.Context(), tenantry.NewTask{Title: "half-written"}); err != nil {
					return err
				}
				_, err := tx.Task(t.Context(), u.ID) // no such task
				return err
			})
			wantErr(t, "Update", err, tenantry.ErrTaskNotFound)
			if got := allTasks(t, s, u.ID, u.ID, nil); len(got) != 0 {
				t.Errorf("tasks = %v, want none kept", taskIDs(got))
			}
		}},
		{"Tx/ViewDoesNotWrite", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			_ = s.View(t.Context(), u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.CreateTask(t.Context(), tenantry.NewTask{Title: "written in a View"})
				if err == nil {
					t.Error("CreateTask in View succeeded, want an error")
				}
				return err
			})
			if got := allTasks(t, s, u.ID, u.ID, nil); len(got) != 0 {
				t.Errorf("tasks = %v, want none", taskIDs(got))
			}
		}},
		{"Tx/ConcurrentUpdatesLoseNothing", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			const n = 20
			var wg sync.WaitGroup
			errs := make(chan error, 2*n)
			for i := range n {
				wg.Add(2)
				go func() {
					defer wg.Done()
					errs <- s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
						_, err := tx.CreateTask(t.Context(), tenantry.NewTask{Title: "org", Completed: i%2 == 0})
						return err
					})
				}()
				go func() {
					defer wg.Done()
					// Writers in another tenant, and readers, at the same time.
					if i%2 == 0 {
						errs <- s.Update(t.Context(), f.member.ID, f.member.ID, func(tx tenantry.TenantAccess) error {
							_, err := tx.CreateTask(t.Context(), tenantry.NewTask{Title: "personal"})
							return err
						})
					} else {
						errs <- s.View(t.Context(), f.member.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
							_, err := tx.Tasks(t.Context(), tenantry.TaskFilter{Limit: tenantry.MaxPageSize})
							return err
						})
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				noErr(t, "concurrent transaction", err)
			}
			got := allTasks(t, s, f.owner.ID, f.org.ID, nil)
			if len(got) != n {
				t.Fatalf("org has %d tasks, want %d", len(got), n)
			}
			seen := map[string]bool{}
			for _, task := range got {
				if seen[task.ID.String()] {
					t.Errorf("task id %v twice", task.ID)
				}
				seen[task.ID.String()] = true
			}
			if got := allTasks(t, s, f.member.ID, f.member.ID, nil); len(got) != n/2 {
				t.Errorf("member's personal tenant has %d tasks, want %d", len(got), n/2)
			}
		}},
		{"Ping", func(t *testing.T, s tenantry.Store) {
			noErr(t, "Ping", s.Ping(t.Context()))
		}},
	}
}
