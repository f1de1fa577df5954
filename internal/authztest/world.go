package authztest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// World is the data the matrix attacks. Alice is the victim: she has a
// personal task and owns organization A, where Adam is an admin, Mia a plain
// member and Rex a removed member (whose token was issued while he was one).
// Eve is a stranger; Oscar owns organization B, which has its own task. Dan
// deleted his account after getting a token.
type World struct {
	H *Harness

	Alice, Adam, Mia, Rex, Eve, Oscar, Dan tenantry.User
	// RexToken and DanToken were issued before Rex's removal and Dan's deletion.
	RexToken, DanToken string
	// Alice's API tokens: read and write for organization A, write for her
	// personal tasks, one she revoked; RexAPIToken was Rex's for
	// organization A while he was a member.
	ReadToken, WriteToken, PersonalToken, RevokedToken, RexAPIToken string

	AliceTask tenantry.Task // in Alice's personal space
	OrgA      tenantry.Tenant
	OrgATask  tenantry.Task // assigned to Mia
	OrgB      tenantry.Tenant
	OrgBTask  tenantry.Task
	EveTask   tenantry.Task
	// OrgAInvitation and OrgBInvitation are pending, for emails with no
	// account; OrgAInvitationToken is the token of organization A's.
	OrgAInvitation, OrgBInvitation tenantry.Invitation
	OrgAInvitationToken            string

	// Secret is in the title of Alice's personal task, OrgSecret in
	// organization A's name and task: no answer to anyone who may not see
	// them contains them.
	Secret, OrgSecret string
}

// NewWorld builds the world in h's store.
func NewWorld(t testing.TB, h *Harness) *World {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	w := &World{H: h, Secret: "personal-secret-" + hex.EncodeToString(b[:4]), OrgSecret: "org-secret-" + hex.EncodeToString(b[4:])}
	w.Alice = h.NewUser("alice@example.com")
	w.Adam = h.NewUser("adam@example.com")
	w.Mia = h.NewUser("mia@example.com")
	w.Rex = h.NewUser("rex@example.com")
	w.Eve = h.NewUser("eve@example.com")
	w.Oscar = h.NewUser("oscar@example.com")
	w.Dan = h.NewUser("dan@example.com")

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(h.Store.Update(ctx, w.Alice.ID, w.Alice.ID, func(tx tenantry.TenantAccess) (err error) {
		d := "personal " + w.Secret
		w.AliceTask, err = tx.CreateTask(ctx, tenantry.NewTask{Title: "alice " + w.Secret, Description: &d})
		return err
	}))
	must(h.Store.Update(ctx, w.Eve.ID, w.Eve.ID, func(tx tenantry.TenantAccess) (err error) {
		w.EveTask, err = tx.CreateTask(ctx, tenantry.NewTask{Title: "eve's own"})
		return err
	}))
	a, err := h.Store.CreateOrg(ctx, w.Alice.ID, "Org A "+w.OrgSecret)
	must(err)
	w.OrgA = a.Org
	must(h.Store.Update(ctx, w.Alice.ID, w.OrgA.ID, func(tx tenantry.TenantAccess) error {
		for _, m := range []struct {
			id   uuid.UUID
			role tenantry.Role
		}{{w.Adam.ID, tenantry.RoleAdmin}, {w.Mia.ID, tenantry.RoleMember}, {w.Rex.ID, tenantry.RoleMember}} {
			if _, err := tx.AddMember(ctx, m.id, m.role); err != nil {
				return err
			}
		}
		var err error
		w.OrgATask, err = tx.CreateTask(ctx, tenantry.NewTask{Title: "org a " + w.OrgSecret, AssignedUserID: &w.Mia.ID})
		return err
	}))
	w.RexToken = h.Token(w.Rex)
	_, w.RexAPIToken = h.APIToken(w.Rex, w.OrgA.ID, tenantry.ScopeWrite)
	_, w.ReadToken = h.APIToken(w.Alice, w.OrgA.ID, tenantry.ScopeRead)
	_, w.WriteToken = h.APIToken(w.Alice, w.OrgA.ID, tenantry.ScopeWrite)
	_, w.PersonalToken = h.APIToken(w.Alice, w.Alice.ID, tenantry.ScopeWrite)
	var revoked string
	revoked, w.RevokedToken = h.APIToken(w.Alice, w.OrgA.ID, tenantry.ScopeWrite)
	if res := h.Do("DELETE", "/api/"+w.Alice.ID.String()+"/tokens/"+revoked, nil, Bearer(h.Token(w.Alice))); res.Status != 204 {
		t.Fatalf("revoke API token: %d %s", res.Status, res.Body)
	}
	must(h.Store.Update(ctx, w.Alice.ID, w.OrgA.ID, func(tx tenantry.TenantAccess) error {
		return tx.RemoveMember(ctx, w.Rex.ID)
	}))
	bo, err := h.Store.CreateOrg(ctx, w.Oscar.ID, "Org B")
	must(err)
	w.OrgB = bo.Org
	must(h.Store.Update(ctx, w.Oscar.ID, w.OrgB.ID, func(tx tenantry.TenantAccess) (err error) {
		w.OrgBTask, err = tx.CreateTask(ctx, tenantry.NewTask{Title: "org b task"})
		return err
	}))
	invite := func(by uuid.UUID, org uuid.UUID, email string) (tenantry.Invitation, string) {
		t.Helper()
		tok, hash, err := tenantry.NewInvitationToken(org, rand.Reader)
		must(err)
		var inv tenantry.Invitation
		must(h.Store.Update(ctx, by, org, func(tx tenantry.TenantAccess) (err error) {
			inv, err = tx.CreateInvitation(ctx, tenantry.NewInvitation{
				Email: email, Role: tenantry.RoleMember, TokenHash: hash, ExpiresAt: time.Now().Add(time.Hour),
			})
			return err
		}))
		return inv, tok
	}
	w.OrgAInvitation, w.OrgAInvitationToken = invite(w.Alice.ID, w.OrgA.ID, "newcomer@example.com")
	w.OrgBInvitation, _ = invite(w.Oscar.ID, w.OrgB.ID, "friend-of-b@example.com")
	w.DanToken = h.Token(w.Dan)
	must(h.Store.DeleteUser(ctx, w.Dan.ID))
	return w
}

// Snapshot is everything the store holds for each tenant of the world, read
// back through the store.
type Snapshot map[string]any

// Snapshot reads every tenant's tasks and members, and every account.
func (w *World) Snapshot(t testing.TB) Snapshot {
	t.Helper()
	ctx := context.Background()
	s := Snapshot{}
	read := func(key string, user, tenant uuid.UUID) {
		t.Helper()
		var ts []tenantry.Task
		var ms []tenantry.Member
		var tn tenantry.Tenant
		err := w.H.Store.View(ctx, user, tenant, func(tx tenantry.TenantAccess) (err error) {
			if tn, err = tx.Tenant(ctx); err != nil {
				return err
			}
			if ts, err = tx.Tasks(ctx, tenantry.TaskFilter{Limit: tenantry.MaxPageSize}); err != nil {
				return err
			}
			ms, err = tx.Members(ctx, tenantry.Page{Limit: tenantry.MaxPageSize})
			return err
		})
		if err != nil {
			s[key] = "error: " + err.Error()
			return
		}
		s[key] = struct {
			Tenant  tenantry.Tenant
			Tasks   []tenantry.Task
			Members []tenantry.Member
		}{tn, ts, ms}
	}
	read("alice", w.Alice.ID, w.Alice.ID)
	read("eve", w.Eve.ID, w.Eve.ID)
	read("orgA", w.Alice.ID, w.OrgA.ID)
	read("orgB", w.Oscar.ID, w.OrgB.ID)
	for _, u := range []tenantry.User{w.Alice, w.Adam, w.Mia, w.Rex, w.Eve, w.Oscar, w.Dan} {
		got, err := w.H.Store.UserByID(ctx, u.ID)
		if err != nil {
			s["user "+u.Email] = "error: " + err.Error()
		} else {
			s["user "+u.Email] = got
		}
	}
	return s
}

// Diff returns the keys whose values differ between two snapshots, except
// those in allowed.
func (s Snapshot) Diff(other Snapshot, allowed ...string) []string {
	var keys []string
	for k, v := range s {
		skip := false
		for _, a := range allowed {
			skip = skip || a == k
		}
		if !skip && !reflect.DeepEqual(v, other[k]) {
			keys = append(keys, k)
		}
	}
	return keys
}
