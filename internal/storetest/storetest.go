// Package storetest is the conformance suite every tenantry.Store must pass.
// The sqlite and postgres packages run it from their tests:
//
//	storetest.Exercise(t, func(t *testing.T) tenantry.Store { return sqlitetest.MustOpen(t) })
//
// Every case gets a fresh, empty store from open and runs in parallel with
// the others. Isolation cases try each attack for real and then re-read the
// victim's data to prove it did not change.
package storetest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// testCase is one behaviour of tenantry.Store, checked on a fresh store.
type testCase struct {
	name string
	run  func(t *testing.T, s tenantry.Store)
}

// Exercise runs every conformance case against stores made by open. open
// returns a fresh, empty store that uses the real clock and its default id
// generator; it must close the store itself (t.Cleanup) and may call
// t.Fatal. Cases run in parallel, each with its own store.
func Exercise(t *testing.T, open func(t *testing.T) tenantry.Store) {
	t.Helper()
	var all []testCase
	all = append(all, userCases()...)
	all = append(all, sessionCases()...)
	all = append(all, apiTokenCases()...)
	all = append(all, totpCases()...)
	all = append(all, orgCases()...)
	all = append(all, taskCases()...)
	all = append(all, versionCases()...)
	all = append(all, invitationCases()...)
	all = append(all, auditCases()...)
	all = append(all, accountAuditCases()...)
	all = append(all, memberCases()...)
	all = append(all, pagingCases()...)
	all = append(all, isolationCases()...)
	all = append(all, txCases()...)
	all = append(all, idempotencyCases()...)
	for _, tc := range all {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// wantErr fails unless errors.Is(got, want).
func wantErr(t *testing.T, what string, got, want error) {
	t.Helper()
	if !errors.Is(got, want) {
		t.Fatalf("%s: got error %v, want %v", what, got, want)
	}
}

// noErr fails on a non-nil err.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func mustUser(t *testing.T, s tenantry.Store, email string) tenantry.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), email, "hash-of-"+email)
	noErr(t, "CreateUser "+email, err)
	return u
}

func mustOrg(t *testing.T, s tenantry.Store, owner tenantry.User, name string) tenantry.Tenant {
	t.Helper()
	om, err := s.CreateOrg(t.Context(), owner.ID, name)
	noErr(t, "CreateOrg "+name, err)
	return om.Org
}

func mustUpdate(t *testing.T, s tenantry.Store, userID, tenantID uuid.UUID, fn func(tx tenantry.TenantAccess) error) {
	t.Helper()
	noErr(t, "Update", s.Update(t.Context(), userID, tenantID, fn))
}

func mustView(t *testing.T, s tenantry.Store, userID, tenantID uuid.UUID, fn func(tx tenantry.TenantAccess) error) {
	t.Helper()
	noErr(t, "View", s.View(t.Context(), userID, tenantID, fn))
}

func mustTask(t *testing.T, s tenantry.Store, userID, tenantID uuid.UUID, nt tenantry.NewTask) tenantry.Task {
	t.Helper()
	var task tenantry.Task
	mustUpdate(t, s, userID, tenantID, func(tx tenantry.TenantAccess) error {
		var err error
		task, err = tx.CreateTask(t.Context(), nt)
		return err
	})
	return task
}

func mustAddMember(t *testing.T, s tenantry.Store, by tenantry.User, tenantID uuid.UUID, u tenantry.User, role tenantry.Role) {
	t.Helper()
	mustUpdate(t, s, by.ID, tenantID, func(tx tenantry.TenantAccess) error {
		_, err := tx.AddMember(t.Context(), u.ID, role)
		return err
	})
}

// readTask re-reads one task as userID in tenantID.
func readTask(t *testing.T, s tenantry.Store, userID, tenantID, id uuid.UUID) tenantry.Task {
	t.Helper()
	var task tenantry.Task
	mustView(t, s, userID, tenantID, func(tx tenantry.TenantAccess) error {
		var err error
		task, err = tx.Task(t.Context(), id)
		return err
	})
	return task
}

// allTasks reads every task of a tenant, page by page.
func allTasks(t *testing.T, s tenantry.Store, userID, tenantID uuid.UUID, completed *bool) []tenantry.Task {
	t.Helper()
	var all []tenantry.Task
	mustView(t, s, userID, tenantID, func(tx tenantry.TenantAccess) error {
		f := tenantry.TaskFilter{Completed: completed, Limit: tenantry.MaxPageSize}
		for {
			page, err := tx.Tasks(t.Context(), f)
			if err != nil {
				return err
			}
			all = append(all, page...)
			if len(page) < f.Limit {
				return nil
			}
			f.After = &page[len(page)-1].ID
		}
	})
	return all
}

func readMembers(t *testing.T, s tenantry.Store, userID, tenantID uuid.UUID) []tenantry.Member {
	t.Helper()
	var ms []tenantry.Member
	mustView(t, s, userID, tenantID, func(tx tenantry.TenantAccess) error {
		var err error
		ms, err = tx.Members(t.Context(), tenantry.Page{})
		return err
	})
	return ms
}

// checkTime fails unless tm is set, in UTC and in microsecond precision.
func checkTime(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.IsZero() {
		t.Errorf("%s is zero", what)
	}
	if got, want := tm.Location(), time.UTC; got != want {
		t.Errorf("%s location = %v, want %v", what, got, want)
	}
	if !tm.Equal(tm.Truncate(time.Microsecond)) {
		t.Errorf("%s = %v, want microsecond precision", what, tm)
	}
}

func strp(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%q", *s)
}

func idp(id *uuid.UUID) string {
	if id == nil {
		return "<nil>"
	}
	return id.String()
}

// taskDiff describes how got differs from want, or returns "".
func taskDiff(got, want tenantry.Task) string {
	var d []string
	add := func(field string, g, w any) {
		if g != w {
			d = append(d, fmt.Sprintf("%s = %v, want %v", field, g, w))
		}
	}
	add("TenantID", got.TenantID, want.TenantID)
	add("ID", got.ID, want.ID)
	add("Title", got.Title, want.Title)
	add("Description", strp(got.Description), strp(want.Description))
	add("Completed", got.Completed, want.Completed)
	add("AssignedUserID", idp(got.AssignedUserID), idp(want.AssignedUserID))
	add("Version", got.Version, want.Version)
	if !got.CreatedAt.Equal(want.CreatedAt) {
		d = append(d, fmt.Sprintf("CreatedAt = %v, want %v", got.CreatedAt, want.CreatedAt))
	}
	if !got.UpdatedAt.Equal(want.UpdatedAt) {
		d = append(d, fmt.Sprintf("UpdatedAt = %v, want %v", got.UpdatedAt, want.UpdatedAt))
	}
	return strings.Join(d, "; ")
}

func wantTask(t *testing.T, what string, got, want tenantry.Task) {
	t.Helper()
	if d := taskDiff(got, want); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

func wantTasks(t *testing.T, what string, got, want []tenantry.Task) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d tasks %v, want %d", what, len(got), taskIDs(got), len(want))
	}
	for i := range got {
		if d := taskDiff(got[i], want[i]); d != "" {
			t.Errorf("%s[%d]: %s", what, i, d)
		}
	}
}

func taskIDs(ts []tenantry.Task) []uuid.UUID {
	ids := make([]uuid.UUID, len(ts))
	for i, task := range ts {
		ids[i] = task.ID
	}
	return ids
}

func wantMembers(t *testing.T, what string, got, want []tenantry.Member) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d members %+v, want %d %+v", what, len(got), got, len(want), want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.TenantID != w.TenantID || g.UserID != w.UserID || g.Email != w.Email || g.Role != w.Role ||
			!g.CreatedAt.Equal(w.CreatedAt) {
			t.Errorf("%s[%d] = %+v, want %+v", what, i, g, w)
		}
	}
}
