package storetest

import (
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// world is two tenants' worth of data: a victim with a personal tenant and
// an org (with a colleague and a removed ex-member), and an attacker with a
// personal tenant and an org of their own.
type world struct {
	victim, colleague, removed, attacker tenantry.User
	victimOrg, attackerOrg               tenantry.Tenant
	victimTask, victimOrgTask            tenantry.Task
	attackerTask, attackerOrgTask        tenantry.Task
}

func newWorld(t *testing.T, s tenantry.Store) world {
	t.Helper()
	var w world
	w.victim = mustUser(t, s, "victim@example.com")
	w.colleague = mustUser(t, s, "colleague@example.com")
	w.removed = mustUser(t, s, "removed@example.com")
	w.attacker = mustUser(t, s, "attacker@example.com")
	w.victimOrg = mustOrg(t, s, w.victim, "Victim Inc")
	w.attackerOrg = mustOrg(t, s, w.attacker, "Attacker Ltd")
	mustAddMember(t, s, w.victim, w.victimOrg.ID, w.colleague, tenantry.RoleAdmin)
	mustAddMember(t, s, w.victim, w.victimOrg.ID, w.removed, tenantry.RoleAdmin)
	mustUpdate(t, s, w.victim.ID, w.victimOrg.ID, func(tx tenantry.TenantAccess) error {
		return tx.RemoveMember(t.Context(), w.removed.ID)
	})
	w.victimTask = mustTask(t, s, w.victim.ID, w.victim.ID, tenantry.NewTask{Title: "victim's secret", Description: ptr("do not read")})
	w.victimOrgTask = mustTask(t, s, w.victim.ID, w.victimOrg.ID, tenantry.NewTask{Title: "org secret", Description: ptr("internal"), AssignedUserID: &w.colleague.ID})
	w.attackerTask = mustTask(t, s, w.attacker.ID, w.attacker.ID, tenantry.NewTask{Title: "attacker's own"})
	w.attackerOrgTask = mustTask(t, s, w.attacker.ID, w.attackerOrg.ID, tenantry.NewTask{Title: "attacker org's own"})
	return w
}

// victimData is everything of the victim's that an attack could change.
type victimData struct {
	personal, org []tenantry.Task
	members       []tenantry.Member
}

func readVictim(t *testing.T, s tenantry.Store, w world) victimData {
	t.Helper()
	return victimData{
		personal: allTasks(t, s, w.victim.ID, w.victim.ID, nil),
		org:      allTasks(t, s, w.victim.ID, w.victimOrg.ID, nil),
		members:  readMembers(t, s, w.victim.ID, w.victimOrg.ID),
	}
}

func wantVictimUnchanged(t *testing.T, s tenantry.Store, w world, before victimData) {
	t.Helper()
	after := readVictim(t, s, w)
	wantTasks(t, "victim's personal tasks", after.personal, before.personal)
	wantTasks(t, "victim org's tasks", after.org, before.org)
	wantMembers(t, "victim org's members", after.members, before.members)
	wantTask(t, "victim's task re-read by id", readTask(t, s, w.victim.ID, w.victim.ID, w.victimTask.ID), w.victimTask)
	wantTask(t, "victim org's task re-read by id", readTask(t, s, w.victim.ID, w.victimOrg.ID, w.victimOrgTask.ID), w.victimOrgTask)
}

// attack is one attempt on the victim's data from inside a transaction the
// attacker may legitimately open.
type attack struct {
	name   string
	actor  func(w world) uuid.UUID
	tenant func(w world) uuid.UUID
	try    func(t *testing.T, tx tenantry.TenantAccess, w world) error
	want   error // nil: the attempt succeeds, on the attacker's own data only
}

func isolationCases() []testCase {
	attacker := func(w world) uuid.UUID { return w.attacker.ID }
	attackerPersonal := func(w world) uuid.UUID { return w.attacker.ID }
	attackerOrg := func(w world) uuid.UUID { return w.attackerOrg.ID }
	victimPersonal := func(w world) uuid.UUID { return w.victim.ID }
	victimOrg := func(w world) uuid.UUID { return w.victimOrg.ID }
	victimTaskID := func(w world) uuid.UUID { return w.victimTask.ID }
	victimOrgTaskID := func(w world) uuid.UUID { return w.victimOrgTask.ID }

	var attacks []attack
	// The seed's "user2 cannot get user1's task", at the store level, for
	// every verb, from the attacker's personal tenant and from their org.
	for _, where := range []struct {
		name   string
		tenant func(world) uuid.UUID
		own    func(world) tenantry.Task
		target func(world) uuid.UUID
	}{
		{"personal", attackerPersonal, func(w world) tenantry.Task { return w.attackerTask }, victimTaskID},
		{"personal targets org task", attackerPersonal, func(w world) tenantry.Task { return w.attackerTask }, victimOrgTaskID},
		{"org", attackerOrg, func(w world) tenantry.Task { return w.attackerOrgTask }, victimOrgTaskID},
		{"org targets personal task", attackerOrg, func(w world) tenantry.Task { return w.attackerOrgTask }, victimTaskID},
	} {
		attacks = append(attacks,
			attack{where.name + "/Task", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
				got, err := tx.Task(t.Context(), where.target(w))
				if err == nil {
					t.Errorf("read the victim's task: %+v", got)
				}
				return err
			}, tenantry.ErrTaskNotFound},
			attack{where.name + "/TaskForUpdate", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
				got, err := tx.TaskForUpdate(t.Context(), where.target(w))
				if err == nil {
					t.Errorf("locked the victim's task: %+v", got)
				}
				return err
			}, tenantry.ErrTaskNotFound},
			attack{where.name + "/ReplaceTask", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
				_, err := tx.ReplaceTask(t.Context(), where.target(w), tenantry.NewTask{Title: "pwned", Completed: true})
				return err
			}, tenantry.ErrTaskNotFound},
			attack{where.name + "/PatchTask", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
				_, err := tx.PatchTask(t.Context(), where.target(w), tenantry.TaskPatch{
					Title: ptr("pwned"), Completed: ptr(true), SetDescription: true, Description: ptr("pwned"),
				})
				return err
			}, tenantry.ErrTaskNotFound},
			attack{where.name + "/PatchTaskAssignee", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
				_, err := tx.PatchTask(t.Context(), where.target(w), tenantry.TaskPatch{SetAssignee: true})
				return err
			}, tenantry.ErrTaskNotFound},
			attack{where.name + "/DeleteTask", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
				return tx.DeleteTask(t.Context(), where.target(w))
			}, tenantry.ErrTaskNotFound},
			attack{where.name + "/Tasks", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
				for _, f := range []tenantry.TaskFilter{
					{Limit: tenantry.MaxPageSize},
					{Limit: tenantry.MaxPageSize, Completed: ptr(false)},
					{Limit: tenantry.MaxPageSize, After: &uuid.Nil},
				} {
					got, err := tx.Tasks(t.Context(), f)
					noErr(t, "Tasks", err)
					wantTasks(t, "attacker's list", got, []tenantry.Task{where.own(w)})
				}
				return nil
			}, nil},
			attack{where.name + "/DeleteTasks", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
				n, err := tx.DeleteTasks(t.Context(), nil)
				if n != 1 {
					t.Errorf("DeleteTasks = %d, want 1 (the attacker's own)", n)
				}
				return err
			}, nil},
			attack{where.name + "/DeleteTasksCompleted", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
				n, err := tx.DeleteTasks(t.Context(), ptr(false))
				if n != 1 {
					t.Errorf("DeleteTasks(false) = %d, want 1 (the attacker's own)", n)
				}
				return err
			}, nil},
		)
	}
	// Members of another tenant are not reachable either.
	for _, where := range []struct {
		name   string
		tenant func(world) uuid.UUID
	}{{"personal", attackerPersonal}, {"org", attackerOrg}} {
		for _, who := range []struct {
			name string
			id   func(world) uuid.UUID
		}{{"victim", func(w world) uuid.UUID { return w.victim.ID }}, {"colleague", func(w world) uuid.UUID { return w.colleague.ID }}} {
			prefix := where.name + "/" + who.name
			attacks = append(attacks,
				attack{prefix + "/Member", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
					_, err := tx.Member(t.Context(), who.id(w))
					return err
				}, tenantry.ErrMemberNotFound},
				attack{prefix + "/SetRole", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
					_, err := tx.SetRole(t.Context(), who.id(w), tenantry.RoleMember)
					return err
				}, tenantry.ErrMemberNotFound},
				attack{prefix + "/RemoveMember", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
					return tx.RemoveMember(t.Context(), who.id(w))
				}, tenantry.ErrMemberNotFound},
				attack{prefix + "/AssignTask", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
					id := who.id(w)
					_, err := tx.CreateTask(t.Context(), tenantry.NewTask{Title: "for you", AssignedUserID: &id})
					return err
				}, tenantry.ErrAssigneeNotMember},
				attack{prefix + "/Members", attacker, where.tenant, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
					ms, err := tx.Members(t.Context(), tenantry.Page{})
					noErr(t, "Members", err)
					for _, m := range ms {
						if m.UserID != w.attacker.ID || m.TenantID != tx.Scope().TenantID {
							t.Errorf("Members lists %+v", m)
						}
					}
					return nil
				}, nil},
			)
		}
	}
	// The colleague also joins the attacker's org; removing them there, or
	// deleting their tasks there, must not touch the victim org's task
	// assigned to them.
	joinAttackerOrg := func(t *testing.T, tx tenantry.TenantAccess, w world) error {
		t.Helper()
		_, err := tx.AddMember(t.Context(), w.colleague.ID, tenantry.RoleMember)
		noErr(t, "AddMember colleague to the attacker's org", err)
		_, err = tx.CreateTask(t.Context(), tenantry.NewTask{Title: "colleague's here", AssignedUserID: &w.colleague.ID})
		noErr(t, "CreateTask", err)
		return err
	}
	attacks = append(attacks,
		attack{"org/RemoveSharedMember", attacker, attackerOrg, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
			if err := joinAttackerOrg(t, tx, w); err != nil {
				return err
			}
			return tx.RemoveMember(t.Context(), w.colleague.ID)
		}, nil},
		attack{"org/UnassignSharedMember", attacker, attackerOrg, func(t *testing.T, tx tenantry.TenantAccess, w world) error {
			if err := joinAttackerOrg(t, tx, w); err != nil {
				return err
			}
			_, err := tx.SetRole(t.Context(), w.colleague.ID, tenantry.RoleOwner)
			noErr(t, "SetRole", err)
			_, err = tx.DeleteTasks(t.Context(), nil)
			return err
		}, nil},
	)

	// Nobody gets a transaction in a tenant they are not a member of; each
	// tries to wipe it, should the gate let them in.
	wipe := func(t *testing.T, tx tenantry.TenantAccess, w world) error {
		t.Errorf("got a transaction in %v as %v", tx.Scope().TenantID, tx.Scope().UserID)
		if _, err := tx.DeleteTasks(t.Context(), nil); err != nil {
			return err
		}
		return tx.RemoveMember(t.Context(), w.colleague.ID)
	}
	for _, gate := range []struct {
		name   string
		actor  func(world) uuid.UUID
		tenant func(world) uuid.UUID
	}{
		{"attacker into victim's personal tenant", attacker, victimPersonal},
		{"attacker into victim's org", attacker, victimOrg},
		{"removed member into victim's org", func(w world) uuid.UUID { return w.removed.ID }, victimOrg},
		{"colleague into victim's personal tenant", func(w world) uuid.UUID { return w.colleague.ID }, victimPersonal},
		{"unknown user into victim's org", func(world) uuid.UUID { return uuid.New() }, victimOrg},
		{"attacker into the victim's task id as a tenant", attacker, victimTaskID},
	} {
		attacks = append(attacks, attack{"gate/" + gate.name, gate.actor, gate.tenant, wipe, tenantry.ErrNotMember})
	}

	cases := make([]testCase, 0, len(attacks)+1)
	for _, a := range attacks {
		cases = append(cases, testCase{"Isolation/" + a.name, func(t *testing.T, s tenantry.Store) {
			w := newWorld(t, s)
			before := readVictim(t, s, w)
			err := s.Update(t.Context(), a.actor(w), a.tenant(w), func(tx tenantry.TenantAccess) error {
				return a.try(t, tx, w)
			})
			if a.want == nil {
				noErr(t, "attempt", err)
			} else {
				wantErr(t, "attempt", err, a.want)
			}
			if a.want == tenantry.ErrNotMember {
				// View is gated the same way.
				err := s.View(t.Context(), a.actor(w), a.tenant(w), func(tx tenantry.TenantAccess) error {
					return a.try(t, tx, w)
				})
				wantErr(t, "attempt in View", err, a.want)
			}
			wantVictimUnchanged(t, s, w, before)
		}})
	}
	cases = append(cases, testCase{"Isolation/DeleteTasksLeavesOtherTenants", func(t *testing.T, s tenantry.Store) {
		w := newWorld(t, s)
		before := readVictim(t, s, w)
		// The victim wipes their own personal tenant: their org and the
		// attacker's tenants keep every task.
		mustUpdate(t, s, w.victim.ID, w.victim.ID, func(tx tenantry.TenantAccess) error {
			n, err := tx.DeleteTasks(t.Context(), nil)
			if n != 1 {
				t.Errorf("DeleteTasks = %d, want 1", n)
			}
			return err
		})
		if got := allTasks(t, s, w.victim.ID, w.victim.ID, nil); len(got) != 0 {
			t.Errorf("victim's personal tasks = %v, want none", taskIDs(got))
		}
		wantTasks(t, "victim org's tasks", allTasks(t, s, w.victim.ID, w.victimOrg.ID, nil), before.org)
		wantTasks(t, "attacker's tasks", allTasks(t, s, w.attacker.ID, w.attacker.ID, nil), []tenantry.Task{w.attackerTask})
		wantTasks(t, "attacker org's tasks", allTasks(t, s, w.attacker.ID, w.attackerOrg.ID, nil), []tenantry.Task{w.attackerOrgTask})
	}})
	return cases
}
