package storetest

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// auditEntries reads one page of a tenant's audit log.
func auditEntries(t *testing.T, s tenantry.Store, userID, tenantID uuid.UUID, f tenantry.AuditFilter) []tenantry.AuditEntry {
	t.Helper()
	var es []tenantry.AuditEntry
	mustView(t, s, userID, tenantID, func(tx tenantry.TenantAccess) (err error) {
		es, err = tx.AuditEntries(t.Context(), f)
		return err
	})
	return es
}

// auditedTask creates a task and its audit entry in one Update.
func auditedTask(t *testing.T, s tenantry.Store, userID, tenantID uuid.UUID, title string) tenantry.Task {
	t.Helper()
	var task tenantry.Task
	mustUpdate(t, s, userID, tenantID, func(tx tenantry.TenantAccess) (err error) {
		if task, err = tx.CreateTask(t.Context(), tenantry.NewTask{Title: title}); err != nil {
			return err
		}
		return tx.Audit(t.Context(), tenantry.AuditEntry{
			Action: tenantry.AuditTaskCreate, TargetType: "task", TargetID: task.ID.String(),
			IP: "192.0.2.1", RequestID: "req-" + title, Details: map[string]any{"title": title},
		})
	})
	return task
}

func auditCases() []testCase {
	return []testCase{
		{"Audit/WrittenWithTheChangeNewestFirst", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			first := auditedTask(t, s, f.owner.ID, f.org.ID, "one")
			second := auditedTask(t, s, f.member.ID, f.org.ID, "two")
			es := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{})
			if len(es) != 2 {
				t.Fatalf("%d entries %+v, want 2", len(es), es)
			}
			e := es[0]
			if e.TargetID != second.ID.String() || e.ActorUserID != f.member.ID || e.TenantID != f.org.ID ||
				e.Action != tenantry.AuditTaskCreate || e.TargetType != "task" || e.IP != "192.0.2.1" ||
				e.RequestID != "req-two" || e.Details["title"] != "two" || e.ID == uuid.Nil {
				t.Errorf("newest entry = %+v", e)
			}
			checkTime(t, "At", e.At)
			if es[1].TargetID != first.ID.String() || es[1].ActorUserID != f.owner.ID {
				t.Errorf("older entry = %+v", es[1])
			}
			// The cursor: after the newest comes the older one only.
			page := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{Page: tenantry.Page{After: &es[0].ID, Limit: 1}})
			if len(page) != 1 || page[0].ID != es[1].ID {
				t.Errorf("page after newest = %+v, want the older entry", page)
			}
		}},
		{"Audit/ActorEmailUntilTheAccountIsDeleted", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			auditedTask(t, s, f.owner.ID, f.org.ID, "one")
			auditedTask(t, s, f.member.ID, f.org.ID, "two")
			es := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{})
			if len(es) != 2 || es[0].ActorEmail != f.member.Email || es[1].ActorEmail != f.owner.Email {
				t.Fatalf("entries = %+v, want the member's email then the owner's", es)
			}
			noErr(t, "DeleteUser", s.DeleteUser(t.Context(), f.member.ID))
			es = auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{})
			if len(es) != 2 || es[0].ActorUserID != f.member.ID || es[0].ActorEmail != "" || es[1].ActorEmail != f.owner.Email {
				t.Errorf("after the member's account is deleted: %+v, want their id kept and no email", es)
			}
		}},
		{"Audit/Filters", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			auditedTask(t, s, f.owner.ID, f.org.ID, "one")
			mustUpdate(t, s, f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				return tx.Audit(t.Context(), tenantry.AuditEntry{Action: tenantry.AuditMemberRole, TargetType: "user", TargetID: f.member.ID.String()})
			})
			es := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{Action: tenantry.AuditMemberRole})
			if len(es) != 1 || es[0].Action != tenantry.AuditMemberRole || len(es[0].Details) != 0 {
				t.Errorf("action filter = %+v", es)
			}
			all := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{})
			if len(all) != 2 {
				t.Fatalf("%d entries, want 2", len(all))
			}
			future := all[0].At.Add(time.Hour)
			if got := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{Since: &future}); len(got) != 0 {
				t.Errorf("since the future = %+v, want none", got)
			}
			past := all[1].At.Add(-time.Hour)
			if got := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{Until: &past}); len(got) != 0 {
				t.Errorf("until the past = %+v, want none", got)
			}
			if got := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{Since: &past, Until: &future}); len(got) != 2 {
				t.Errorf("within the hour = %d entries, want 2", len(got))
			}
		}},
		{"Audit/FailedEntryKeepsNothing", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			var created tenantry.Task
			err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) (err error) {
				if created, err = tx.CreateTask(t.Context(), tenantry.NewTask{Title: "unaudited"}); err != nil {
					return err
				}
				// An empty action violates the table's CHECK: the entry
				// cannot be written, so the change must not be kept.
				return tx.Audit(t.Context(), tenantry.AuditEntry{Action: ""})
			})
			if err == nil {
				t.Fatal("Update with a failing audit entry succeeded")
			}
			if got := allTasks(t, s, f.owner.ID, f.org.ID, nil); len(got) != 0 {
				t.Errorf("task %v kept without its entry: %+v", created.ID, got)
			}
			if got := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{}); len(got) != 0 {
				t.Errorf("entries kept = %+v", got)
			}
		}},
		{"Audit/FailedChangeKeepsNoEntry", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			err := s.Update(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				if err := tx.Audit(t.Context(), tenantry.AuditEntry{Action: tenantry.AuditTaskDelete, TargetType: "task"}); err != nil {
					return err
				}
				return tx.DeleteTask(t.Context(), uuid.New())
			})
			wantErr(t, "Update", err, tenantry.ErrTaskNotFound)
			if got := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{}); len(got) != 0 {
				t.Errorf("entry kept without its change: %+v", got)
			}
		}},
		{"Audit/NotInView", func(t *testing.T, s tenantry.Store) {
			f := newOrg(t, s)
			err := s.View(t.Context(), f.owner.ID, f.org.ID, func(tx tenantry.TenantAccess) error {
				return tx.Audit(t.Context(), tenantry.AuditEntry{Action: tenantry.AuditTaskCreate})
			})
			if err == nil {
				t.Error("Audit in a View succeeded")
			}
			if got := auditEntries(t, s, f.owner.ID, f.org.ID, tenantry.AuditFilter{}); len(got) != 0 {
				t.Errorf("entries after a View = %+v", got)
			}
		}},
		{"Isolation/AnotherTenantsAuditIsInvisible", func(t *testing.T, s tenantry.Store) {
			victim := newOrg(t, s)
			auditedTask(t, s, victim.owner.ID, victim.org.ID, "secret plans")
			before := auditEntries(t, s, victim.owner.ID, victim.org.ID, tenantry.AuditFilter{})
			mallory := mustUser(t, s, "mallory@example.com")
			evil := mustOrg(t, s, mallory, "Evil")
			auditedTask(t, s, mallory.ID, evil.ID, "mine")
			// Mallory's own log shows only her entry, whatever the cursor.
			for _, f := range []tenantry.AuditFilter{{}, {Page: tenantry.Page{After: &uuid.Max}}, {Action: tenantry.AuditTaskCreate}} {
				got := auditEntries(t, s, mallory.ID, evil.ID, f)
				if len(got) != 1 || got[0].TenantID != evil.ID || got[0].Details["title"] != "mine" {
					t.Errorf("mallory's log with %+v = %+v", f, got)
				}
			}
			// Nor can she read or write the victim's log.
			wantErr(t, "View victim", s.View(t.Context(), mallory.ID, victim.org.ID, func(tx tenantry.TenantAccess) error {
				_, err := tx.AuditEntries(t.Context(), tenantry.AuditFilter{})
				return err
			}), tenantry.ErrNotMember)
			wantErr(t, "Update victim", s.Update(t.Context(), mallory.ID, victim.org.ID, func(tx tenantry.TenantAccess) error {
				return tx.Audit(t.Context(), tenantry.AuditEntry{Action: tenantry.AuditTaskDelete})
			}), tenantry.ErrNotMember)
			after := auditEntries(t, s, victim.owner.ID, victim.org.ID, tenantry.AuditFilter{})
			if len(after) != len(before) || after[0].ID != before[0].ID {
				t.Errorf("victim's log changed: %+v, was %+v", after, before)
			}
		}},
	}
}
