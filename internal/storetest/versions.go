package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
)

// versionCases hold the stores to a task's version: 1 when created, one
// more with every change, and TaskForUpdate as the place where a check of
// it holds until the change is written.
func versionCases() []testCase {
	return []testCase{
		{"Version/EveryChangeCountsOne", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			task := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "v1"})
			if task.Version != 1 {
				t.Fatalf("created task's Version = %d, want 1", task.Version)
			}
			var replaced, patched tenantry.Task
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) (err error) {
				replaced, err = tx.ReplaceTask(t.Context(), task.ID, tenantry.NewTask{Title: "v2"})
				return err
			})
			mustUpdate(t, s, f.member.ID, f.org.ID, func(tx tenantry.TenantAccess) (err error) {
				patched, err = tx.PatchTask(t.Context(), task.ID, tenantry.TaskPatch{Completed: ptr(true)})
				return err
			})
			if replaced.Version != 2 || patched.Version != 3 {
				t.Errorf("Version after replace, patch = %d, %d; want 2, 3", replaced.Version, patched.Version)
			}
			wantTask(t, "re-read", readTask(t, s, f.owner.ID, f.org.ID, task.ID), patched)
			var locked tenantry.Task
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) (err error) {
				locked, err = tx.TaskForUpdate(t.Context(), task.ID)
				return err
			})
			wantTask(t, "TaskForUpdate", locked, patched)
		}},
		{"Version/FailedUpdateKeepsVersion", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			task := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "kept"})
			stop := errors.New("stop")
			err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				if _, err := tx.PatchTask(t.Context(), task.ID, tenantry.TaskPatch{Title: ptr("lost")}); err != nil {
					return err
				}
				return stop
			})
			wantErr(t, "Update", err, stop)
			wantTask(t, "re-read", readTask(t, s, f.owner.ID, f.org.ID, task.ID), task)
		}},
		{"Version/TaskForUpdateNotFound", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			task := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "gone"})
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error { return tx.DeleteTask(t.Context(), task.ID) })
			err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.TaskForUpdate(t.Context(), task.ID)
				return err
			})
			wantErr(t, "TaskForUpdate of a deleted task", err, tenantry.ErrTaskNotFound)
		}},
		{"Version/ConcurrentCheckedChangesOneWins", func(t *testing.T, s tenantry.Store) {
			// Two writers that both read version 1 and each change the task
			// only if it is still version 1: exactly one may succeed.
			f := newOrg(t, s)
			for round := range 5 {
				task := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "start"})
				var (
					wg           sync.WaitGroup
					mu           sync.Mutex
					won, refused int
					otherErrs    []error
				)
				for _, who := range []tenantry.User{f.owner, f.member} {
					wg.Go(func() {
						err := s.Update(t.Context(), who.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
							cur, err := tx.TaskForUpdate(t.Context(), task.ID)
							if err != nil {
								return err
							}
							if cur.Version != task.Version {
								return tenantry.ErrVersionMismatch
							}
							_, err = tx.PatchTask(t.Context(), task.ID, tenantry.TaskPatch{Title: ptr(who.Email)})
							return err
						})
						mu.Lock()
						defer mu.Unlock()
						switch {
						case err == nil:
							won++
						case errors.Is(err, tenantry.ErrVersionMismatch):
							refused++
						default:
							otherErrs = append(otherErrs, err)
						}
					})
				}
				wg.Wait()
				if won != 1 || refused != 1 || len(otherErrs) != 0 {
					t.Fatalf("round %d: %d won, %d refused, errors %v; want exactly one of each", round, won, refused, otherErrs)
				}
				if got := readTask(t, s, f.owner.ID, f.org.ID, task.ID); got.Version != 2 {
					t.Fatalf("round %d: Version = %d after one checked change, want 2", round, got.Version)
				}
			}
		}},
	}
}
