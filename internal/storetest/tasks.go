package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// orgFixture is an org with an owner and a plain member.
type orgFixture struct {
	owner, member tenantry.User
	org           tenantry.Tenant
}

func newOrg(t *testing.T, s tenantry.Store) orgFixture {
	t.Helper()
	f := orgFixture{owner: mustUser(t, s, "owner@example.com"), member: mustUser(t, s, "member@example.com")}
	f.org = mustOrg(t, s, f.owner, "Acme")
	mustAddMember(t, s, f.owner, f.org.ID, f.member, tenantry.RoleMember)
	return f
}

func taskCases() []testCase {
	return []testCase{
		{"Task/ConcurrentPatchesOfDifferentFieldsKeepBoth", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			for round := range 10 {
				task := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "before"})
				title, done := fmt.Sprintf("after %d", round), true
				var wg sync.WaitGroup
				for _, p := range []tenantry.TaskPatch{{Title: &title}, {Completed: &done}} {
					wg.Go(func() {
						if err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
							_, err := tx.PatchTask(t.Context(), task.ID, p)
							return err
						}); err != nil {
							t.Errorf("round %d: PatchTask: %v", round, err)
						}
					})
				}
				wg.Wait()
				got := readTask(t, s, f.owner.ID, f.org.ID, task.ID)
				if got.Title != title || !got.Completed {
					t.Fatalf("round %d: after two concurrent patches, title %q completed %v; want %q and true (one patch undid the other)",
						round, got.Title, got.Completed, title)
				}
			}
		}},
		{"Task/CreateAndRead", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			in := tenantry.NewTask{Title: "Write tests", Description: ptr("all of them"), Completed: true, AssignedUserID: &f.member.ID}
			got := mustTask(t, s, f.owner.ID, f.org.ID, in)
			if got.ID == uuid.Nil || got.TenantID != f.org.ID || got.Title != in.Title || strp(got.Description) != strp(in.Description) ||
				got.Completed != in.Completed || idp(got.AssignedUserID) != idp(in.AssignedUserID) {
				t.Errorf("CreateTask = %+v, want the fields of %+v in tenant %v", got, in, f.org.ID)
			}
			checkTime(t, "CreatedAt", got.CreatedAt)
			checkTime(t, "UpdatedAt", got.UpdatedAt)
			if !got.UpdatedAt.Equal(got.CreatedAt) {
				t.Errorf("UpdatedAt = %v, want CreatedAt %v", got.UpdatedAt, got.CreatedAt)
			}
			wantTask(t, "re-read", readTask(t, s, f.member.ID, f.org.ID, got.ID), got)

			plain := mustTask(t, s, f.owner.ID, f.owner.ID, tenantry.NewTask{Title: "minimal"})
			if plain.TenantID != f.owner.ID || plain.Description != nil || plain.AssignedUserID != nil || plain.Completed {
				t.Errorf("minimal task = %+v", plain)
			}
			wantTask(t, "re-read minimal", readTask(t, s, f.owner.ID, f.owner.ID, plain.ID), plain)
		}},
		{"Task/NotFound", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			mustTask(t, s, u.ID, u.ID, tenantry.NewTask{Title: "exists"})
			missing := uuid.Must(uuid.NewV7())
			mustUpdate(t, s, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.Task(t.Context(), missing)
				wantErr(t, "Task", err, tenantry.ErrTaskNotFound)
				_, err = tx.ReplaceTask(t.Context(), missing, tenantry.NewTask{Title: "x"})
				wantErr(t, "ReplaceTask", err, tenantry.ErrTaskNotFound)
				_, err = tx.PatchTask(t.Context(), missing, tenantry.TaskPatch{Title: ptr("x")})
				wantErr(t, "PatchTask", err, tenantry.ErrTaskNotFound)
				wantErr(t, "DeleteTask", tx.DeleteTask(t.Context(), missing), tenantry.ErrTaskNotFound)
				return nil
			})
			if got := allTasks(t, s, u.ID, u.ID, nil); len(got) != 1 {
				t.Errorf("tasks = %v, want the one that exists", taskIDs(got))
			}
		}},
		{"Tasks/KeysetPaging", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			var made []tenantry.Task
			for i := range 7 {
				made = append(made, mustTask(t, s, u.ID, u.ID, tenantry.NewTask{Title: string(rune('a' + i))}))
			}
			mustView(t, s, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				f := tenantry.TaskFilter{Limit: 3}
				for _, want := range [][]tenantry.Task{made[0:3], made[3:6], made[6:7], nil} {
					page, err := tx.Tasks(t.Context(), f)
					noErr(t, "Tasks", err)
					wantTasks(t, "page", page, want)
					if len(page) > 0 {
						f.After = &page[len(page)-1].ID
					}
				}
				all, err := tx.Tasks(t.Context(), tenantry.TaskFilter{Limit: tenantry.MaxPageSize})
				noErr(t, "Tasks all", err)
				wantTasks(t, "all", all, made)
				one, err := tx.Tasks(t.Context(), tenantry.TaskFilter{Limit: 1, After: &made[4].ID})
				noErr(t, "Tasks after made[4]", err)
				wantTasks(t, "after made[4]", one, made[5:6])
				return nil
			})
		}},
		{"Tasks/CompletedFilter", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			var done, open []tenantry.Task
			for i := range 6 {
				task := mustTask(t, s, u.ID, u.ID, tenantry.NewTask{Title: "t", Completed: i%3 == 0})
				if task.Completed {
					done = append(done, task)
				} else {
					open = append(open, task)
				}
			}
			wantTasks(t, "completed", allTasks(t, s, u.ID, u.ID, ptr(true)), done)
			wantTasks(t, "not completed", allTasks(t, s, u.ID, u.ID, ptr(false)), open)
			mustView(t, s, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				page, err := tx.Tasks(t.Context(), tenantry.TaskFilter{Completed: ptr(false), Limit: 2})
				noErr(t, "Tasks", err)
				wantTasks(t, "first open page", page, open[:2])
				page, err = tx.Tasks(t.Context(), tenantry.TaskFilter{Completed: ptr(false), Limit: 2, After: &page[1].ID})
				noErr(t, "Tasks", err)
				wantTasks(t, "second open page", page, open[2:4])
				return nil
			})
		}},
		{"Task/Replace", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			orig := mustTask(t, s, f.owner.ID, f.org.ID, tenantry.NewTask{Title: "old", Description: ptr("old d"), AssignedUserID: &f.owner.ID})
			time.Sleep(2 * time.Millisecond)
			var got tenantry.Task
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				var err error
				got, err = tx.ReplaceTask(t.Context(), orig.ID, tenantry.NewTask{Title: "new", Completed: true, AssignedUserID: &f.member.ID})
				return err
			})
			want := orig
			want.Title, want.Description, want.Completed, want.AssignedUserID = "new", nil, true, &f.member.ID
			want.UpdatedAt, want.Version = got.UpdatedAt, orig.Version+1
			wantTask(t, "ReplaceTask", got, want)
			if !got.UpdatedAt.After(orig.UpdatedAt) {
				t.Errorf("UpdatedAt = %v, want after %v", got.UpdatedAt, orig.UpdatedAt)
			}
			checkTime(t, "UpdatedAt", got.UpdatedAt)
			wantTask(t, "re-read", readTask(t, s, f.owner.ID, f.org.ID, orig.ID), got)
			// Replacing with no assignee clears it.
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				var err error
				got, err = tx.ReplaceTask(t.Context(), orig.ID, tenantry.NewTask{Title: "newer", Description: ptr("d")})
				return err
			})
			if got.AssignedUserID != nil || strp(got.Description) != `"d"` || got.Completed {
				t.Errorf("ReplaceTask = %+v, want unassigned, description d, not completed", got)
			}
		}},
		{"Task/Patch", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			base := tenantry.NewTask{Title: "title", Description: ptr("desc"), AssignedUserID: &f.owner.ID}
			cases := []struct {
				name  string
				patch tenantry.TaskPatch
				apply func(*tenantry.Task)
			}{
				{"title", tenantry.TaskPatch{Title: ptr("new title")}, func(x *tenantry.Task) { x.Title = "new title" }},
				{"completed", tenantry.TaskPatch{Completed: ptr(true)}, func(x *tenantry.Task) { x.Completed = true }},
				{"description", tenantry.TaskPatch{SetDescription: true, Description: ptr("new desc")}, func(x *tenantry.Task) { x.Description = ptr("new desc") }},
				{"description to null", tenantry.TaskPatch{SetDescription: true}, func(x *tenantry.Task) { x.Description = nil }},
				{"description without its flag is left alone", tenantry.TaskPatch{Description: ptr("ignored")}, func(*tenantry.Task) {}},
				{"assignee", tenantry.TaskPatch{SetAssignee: true, AssignedUserID: &f.member.ID}, func(x *tenantry.Task) { x.AssignedUserID = &f.member.ID }},
				{"assignee to null", tenantry.TaskPatch{SetAssignee: true}, func(x *tenantry.Task) { x.AssignedUserID = nil }},
				{"assignee without its flag is left alone", tenantry.TaskPatch{AssignedUserID: &f.member.ID}, func(*tenantry.Task) {}},
				{"everything", tenantry.TaskPatch{Title: ptr("all"), Completed: ptr(true), SetDescription: true, SetAssignee: true, AssignedUserID: &f.member.ID},
					func(x *tenantry.Task) {
						x.Title, x.Completed, x.Description, x.AssignedUserID = "all", true, nil, &f.member.ID
					}},
				{"nothing", tenantry.TaskPatch{}, func(*tenantry.Task) {}},
			}
			for _, c := range cases {
				orig := mustTask(t, s, f.owner.ID, f.org.ID, base)
				var got tenantry.Task
				mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
					var err error
					got, err = tx.PatchTask(t.Context(), orig.ID, c.patch)
					return err
				})
				want := orig
				c.apply(&want)
				want.UpdatedAt, want.Version = got.UpdatedAt, orig.Version+1
				wantTask(t, c.name, got, want)
				if got.UpdatedAt.Before(orig.UpdatedAt) {
					t.Errorf("%s: UpdatedAt went back from %v to %v", c.name, orig.UpdatedAt, got.UpdatedAt)
				}
				checkTime(t, c.name+": UpdatedAt", got.UpdatedAt)
				wantTask(t, c.name+": re-read", readTask(t, s, f.owner.ID, f.org.ID, orig.ID), got)
			}
		}},
		{"Task/UpdatedAtMovesOnChange", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			orig := mustTask(t, s, u.ID, u.ID, tenantry.NewTask{Title: "t"})
			time.Sleep(2 * time.Millisecond)
			var got tenantry.Task
			mustUpdate(t, s, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				var err error
				got, err = tx.PatchTask(t.Context(), orig.ID, tenantry.TaskPatch{Completed: ptr(true)})
				return err
			})
			if !got.UpdatedAt.After(orig.UpdatedAt) {
				t.Errorf("UpdatedAt = %v, want after %v", got.UpdatedAt, orig.UpdatedAt)
			}
			if !got.CreatedAt.Equal(orig.CreatedAt) {
				t.Errorf("CreatedAt = %v, want unchanged %v", got.CreatedAt, orig.CreatedAt)
			}
		}},
		{"Task/Delete", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			a := mustTask(t, s, u.ID, u.ID, tenantry.NewTask{Title: "a"})
			b := mustTask(t, s, u.ID, u.ID, tenantry.NewTask{Title: "b"})
			mustUpdate(t, s, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				noErr(t, "DeleteTask", tx.DeleteTask(t.Context(), a.ID))
				wantErr(t, "DeleteTask again", tx.DeleteTask(t.Context(), a.ID), tenantry.ErrTaskNotFound)
				_, err := tx.Task(t.Context(), a.ID)
				wantErr(t, "Task deleted", err, tenantry.ErrTaskNotFound)
				return nil
			})
			wantTasks(t, "left", allTasks(t, s, u.ID, u.ID, nil), []tenantry.Task{b})
		}},
		{"Tasks/DeleteMany", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			var open []tenantry.Task
			for i := range 5 {
				task := mustTask(t, s, u.ID, u.ID, tenantry.NewTask{Title: "t", Completed: i < 2})
				if !task.Completed {
					open = append(open, task)
				}
			}
			var n int64
			mustUpdate(t, s, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				var err error
				n, err = tx.DeleteTasks(t.Context(), ptr(true))
				return err
			})
			if n != 2 {
				t.Errorf("DeleteTasks(completed) = %d, want 2", n)
			}
			wantTasks(t, "after deleting completed", allTasks(t, s, u.ID, u.ID, nil), open)
			mustUpdate(t, s, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				var err error
				n, err = tx.DeleteTasks(t.Context(), ptr(true))
				return err
			})
			if n != 0 {
				t.Errorf("DeleteTasks(completed) again = %d, want 0", n)
			}
			mustUpdate(t, s, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				var err error
				n, err = tx.DeleteTasks(t.Context(), nil)
				return err
			})
			if n != 3 {
				t.Errorf("DeleteTasks(all) = %d, want 3", n)
			}
			if got := allTasks(t, s, u.ID, u.ID, nil); len(got) != 0 {
				t.Errorf("tasks left = %v, want none", taskIDs(got))
			}
		}},
		{"Task/Timestamps", func(t *testing.T, s tenantry.Store) {
			u := mustUser(t, s, "bob@example.com")
			for range 5 {
				task := mustTask(t, s, u.ID, u.ID, tenantry.NewTask{Title: "t"})
				checkTime(t, "CreatedAt", task.CreatedAt)
				checkTime(t, "UpdatedAt", task.UpdatedAt)
				reread := readTask(t, s, u.ID, u.ID, task.ID)
				checkTime(t, "re-read CreatedAt", reread.CreatedAt)
				if !reread.CreatedAt.Equal(task.CreatedAt) {
					t.Errorf("re-read CreatedAt = %v, want %v", reread.CreatedAt, task.CreatedAt)
				}
				if d := time.Since(task.CreatedAt); d < -time.Minute || d > time.Minute {
					t.Errorf("CreatedAt = %v, want about now", task.CreatedAt)
				}
			}
		}},
	}
}
