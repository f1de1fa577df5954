package authztest

import (
	"bytes"
	"net/http"
	"sync"
	"testing"

	"github.com/tenantry/tenantry"
)

// Principal is one kind of caller the matrix tries.
type Principal struct {
	Name string
	// Authed says the credentials are valid; NoCreds that there are none.
	Authed, NoCreds bool
	// IsAlice: the victim herself (bearer or cookie).
	IsAlice bool
	// Role in organization A ("" for none).
	Role tenantry.Role
	// ForeignOrigin: a cookie session used from another site.
	ForeignOrigin bool
	// OwnsB: the owner of organization B.
	OwnsB bool
	// Token is the tenant of a valid API token of Alice's ("orgA" or
	// "personal"); ReadOnly that its scope is read.
	Token    string
	ReadOnly bool

	self  func(*World) tenantry.User
	creds func(*World) []Opt // fresh credentials per call
}

// Principals are every caller the matrix tries.
func Principals() []Principal {
	alice := func(w *World) tenantry.User { return w.Alice }
	bearer := func(u func(*World) tenantry.User) func(*World) []Opt {
		return func(w *World) []Opt { return []Opt{Bearer(w.H.Token(u(w)))} }
	}
	return []Principal{
		{Name: "owner", Authed: true, IsAlice: true, Role: tenantry.RoleOwner, self: alice, creds: bearer(alice)},
		{Name: "owner cookie", Authed: true, IsAlice: true, Role: tenantry.RoleOwner, self: alice,
			creds: func(w *World) []Opt { return []Opt{Cookie(CookieName, w.H.Session(w.Alice))} }},
		{Name: "owner cookie foreign origin", Authed: true, IsAlice: true, Role: tenantry.RoleOwner, ForeignOrigin: true, self: alice,
			creds: func(w *World) []Opt {
				return []Opt{Cookie(CookieName, w.H.Session(w.Alice)), Header("Origin", "https://evil.example"), Header("Sec-Fetch-Site", "cross-site")}
			}},
		{Name: "admin", Authed: true, Role: tenantry.RoleAdmin, self: func(w *World) tenantry.User { return w.Adam },
			creds: bearer(func(w *World) tenantry.User { return w.Adam })},
		{Name: "member", Authed: true, Role: tenantry.RoleMember, self: func(w *World) tenantry.User { return w.Mia },
			creds: bearer(func(w *World) tenantry.User { return w.Mia })},
		{Name: "removed member", Authed: true, self: func(w *World) tenantry.User { return w.Rex },
			// The token he had while he was a member; still valid.
			creds: func(w *World) []Opt { return []Opt{Bearer(w.RexToken)} }},
		{Name: "another user", Authed: true, self: func(w *World) tenantry.User { return w.Eve },
			creds: bearer(func(w *World) tenantry.User { return w.Eve })},
		{Name: "member of another org", Authed: true, OwnsB: true, self: func(w *World) tenantry.User { return w.Oscar },
			creds: bearer(func(w *World) tenantry.User { return w.Oscar })},
		{Name: "no credentials", NoCreds: true, self: alice, creds: func(*World) []Opt { return nil }},
		{Name: "expired token", self: alice, creds: func(w *World) []Opt { return []Opt{Bearer(w.H.ExpiredToken(w.Alice))} }},
		{Name: "wrong signature", self: alice, creds: func(w *World) []Opt { return []Opt{Bearer(w.H.ForgedToken(w.Alice))} }},
		{Name: "alg none", self: alice, creds: func(w *World) []Opt { return []Opt{Bearer(w.H.NoneToken(w.Alice))} }},
		{Name: "deleted user", self: func(w *World) tenantry.User { return w.Dan },
			creds: func(w *World) []Opt { return []Opt{Bearer(w.DanToken)} }},
		{Name: "read token of the tenant", Authed: true, Token: "orgA", ReadOnly: true, self: alice,
			creds: func(w *World) []Opt { return []Opt{Bearer(w.ReadToken)} }},
		{Name: "write token of the tenant", Authed: true, Token: "orgA", self: alice,
			creds: func(w *World) []Opt { return []Opt{Bearer(w.WriteToken)} }},
		{Name: "token of another tenant", Authed: true, Token: "personal", self: alice,
			creds: func(w *World) []Opt { return []Opt{Bearer(w.PersonalToken)} }},
		{Name: "revoked token", self: alice, creds: func(w *World) []Opt { return []Opt{Bearer(w.RevokedToken)} }},
		{Name: "token of a removed member", self: func(w *World) tenantry.User { return w.Rex },
			creds: func(w *World) []Opt { return []Opt{Bearer(w.RexAPIToken)} }},
		{Name: "unknown session cookie", self: alice,
			creds: func(*World) []Opt { return []Opt{Cookie(CookieName, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")} }},
	}
}

// Case is one route and verb, with what every principal must get.
type Case struct {
	Name   string
	Method string
	Path   func(*World, Principal) string
	Body   func(*World) any
	// Allow says whether p may do it; Status is then the answer (Statusf
	// overrides per principal), and Deny with DenyDetail otherwise.
	Allow      func(Principal) bool
	Status     int
	Statusf    func(Principal) int
	OKDetail   string
	Deny       int
	DenyDetail string
	// RoleDeny is the answer to a member of organization A whom Allow
	// refuses (403: a member without the role), where it differs from Deny.
	RoleDeny int
	// Mutates lists the snapshot keys an allowed call may change ("*": any).
	Mutates []string
	// Skip leaves principals out of a case that would repeat another one.
	Skip func(Principal) bool
	// Read marks the read-isolation cases RunReads runs.
	Read bool
	// Public routes answer the same whoever calls; credentials are ignored
	// (but a cross-site write is still refused).
	Public bool
	// Opts are sent with the request besides the principal's credentials.
	Opts []Opt
	// Tenant is the tenant an API token must be for to be let in, as
	// Alice: "personal" (hers), "orgA", or "any" when every token gets
	// Alice's own answer (the same 404 or 422 for all). "" is a route API
	// tokens never reach (403).
	Tenant string
}

func isAlice(p Principal) bool     { return p.IsAlice }
func isMember(p Principal) bool    { return p.Role != "" }
func isAdmin(p Principal) bool     { return p.Role.AtLeast(tenantry.RoleAdmin) }
func isOwner(p Principal) bool     { return p.Role == tenantry.RoleOwner }
func anyone(Principal) bool        { return true }
func ownsB(p Principal) bool       { return p.OwnsB }
func aliceSkip(p Principal) bool   { return p.IsAlice || p.Token != "" }
func personalPath(w *World) string { return "/api/" + w.Alice.ID.String() + "/tasks" }
func orgPath(w *World) string      { return "/api/orgs/" + w.OrgA.ID.String() }
func fixed(f func(*World) string) func(*World, Principal) string {
	return func(w *World, _ Principal) string { return f(w) }
}
func body(v any) func(*World) any { return func(*World) any { return v } }

// Cases are the matrix's routes, in the order they run: reads first, then
// writes, then what ends a membership or an account.
func Cases() []Case {
	const denied, taskGone, orgGone = tenantry.MsgAccessDenied, tenantry.MsgTaskNotFound, tenantry.MsgOrgNotFound
	get, post, put, patch, del := http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	ownPathAliceTask := func(w *World, p Principal) string {
		return "/api/" + p.self(w).ID.String() + "/tasks/" + w.AliceTask.ID.String()
	}
	return []Case{
		// Public routes: the same answer for everyone.
		{Name: "healthz", Method: get, Path: fixed(func(*World) string { return "/healthz" }), Public: true, Status: 200, Read: true},
		{Name: "readyz", Method: get, Path: fixed(func(*World) string { return "/readyz" }), Public: true, Status: 200, Read: true},
		{Name: "register a taken email", Method: post, Path: fixed(func(*World) string { return "/auth/register" }),
			Body: body(map[string]any{"email": "alice@example.com", "password": "whatever-long"}), Public: true, Status: 409},
		{Name: "token with a wrong password", Method: post, Path: fixed(func(*World) string { return "/auth/token" }),
			Body: body(Raw("username=alice%40example.com&password=wrong-password")), Public: true, Status: 401,
			Opts: []Opt{Header("Content-Type", "application/x-www-form-urlencoded")}},
		{Name: "login with a wrong password", Method: post, Path: fixed(func(*World) string { return "/auth/login" }),
			Body: body(map[string]any{"email": "alice@example.com", "password": "wrong-password"}), Public: true, Status: 401},

		// Personal space, by its path.
		{Name: "list victim's tasks", Method: get, Path: fixed(personalPath), Allow: isAlice, Status: 200, Deny: 403, DenyDetail: denied, Read: true, Tenant: "personal"},
		{Name: "get victim's task", Method: get, Path: fixed(func(w *World) string { return personalPath(w) + "/" + w.AliceTask.ID.String() }),
			Allow: isAlice, Status: 200, Deny: 403, DenyDetail: denied, Read: true, Tenant: "personal"},
		{Name: "get a task with a malformed id under the victim's path", Method: get, Path: fixed(func(w *World) string { return personalPath(w) + "/not-a-uuid" }),
			Allow: isAlice, Status: 404, OKDetail: taskGone, Deny: 403, DenyDetail: denied, Read: true, Tenant: "personal"},
		{Name: "list victim's audit", Method: get, Path: fixed(func(w *World) string { return "/api/" + w.Alice.ID.String() + "/audit" }),
			Allow: isAlice, Status: 200, Deny: 403, DenyDetail: denied, Read: true},
		{Name: "list own tasks", Method: get, Path: func(w *World, p Principal) string { return "/api/" + p.self(w).ID.String() + "/tasks" },
			Allow: anyone, Status: 200, Read: true, Tenant: "personal"},
		{Name: "get victim's task through own path", Method: get, Path: ownPathAliceTask, Allow: isAlice, Status: 200, Deny: 404, DenyDetail: taskGone, Skip: aliceSkip, Read: true},
		{Name: "create in victim's space", Method: post, Path: fixed(personalPath), Body: body(map[string]any{"title": "planted"}),
			Allow: isAlice, Status: 201, Deny: 403, DenyDetail: denied, Mutates: []string{"alice"}, Tenant: "personal"},
		{Name: "create in victim's space with owner fields", Method: post, Path: fixed(personalPath),
			Body:  func(w *World) any { return map[string]any{"title": "planted", "user_id": w.Eve.ID, "id": w.EveTask.ID} },
			Allow: isAlice, Status: 422, Deny: 403, DenyDetail: denied, Tenant: "any"}, // the path check comes first
		{Name: "replace victim's task", Method: put, Path: fixed(func(w *World) string { return personalPath(w) + "/" + w.AliceTask.ID.String() }),
			Body: body(map[string]any{"title": "replaced"}), Allow: isAlice, Status: 200, Deny: 403, DenyDetail: denied, Mutates: []string{"alice"}, Tenant: "personal"},
		{Name: "patch victim's task", Method: patch, Path: fixed(func(w *World) string { return personalPath(w) + "/" + w.AliceTask.ID.String() }),
			Body: body(map[string]any{"completed": true}), Allow: isAlice, Status: 200, Deny: 403, DenyDetail: denied, Mutates: []string{"alice"}, Tenant: "personal"},
		{Name: "replace victim's task through own path", Method: put, Path: ownPathAliceTask, Body: body(map[string]any{"title": "x"}),
			Allow: isAlice, Deny: 404, DenyDetail: taskGone, Skip: aliceSkip},
		{Name: "patch victim's task through own path", Method: patch, Path: ownPathAliceTask, Body: body(map[string]any{"title": "x"}),
			Allow: isAlice, Deny: 404, DenyDetail: taskGone, Skip: aliceSkip},
		{Name: "delete victim's task through own path", Method: del, Path: ownPathAliceTask, Allow: isAlice, Deny: 404, DenyDetail: taskGone, Skip: aliceSkip},
		{Name: "delete victim's task", Method: del, Path: fixed(func(w *World) string { return personalPath(w) + "/" + w.AliceTask.ID.String() }),
			Allow: isAlice, Status: 204, Deny: 403, DenyDetail: denied, Mutates: []string{"alice"}, Tenant: "personal"},
		{Name: "bulk delete victim's tasks", Method: del, Path: fixed(personalPath), Allow: isAlice, Status: 200, Deny: 403, DenyDetail: denied, Mutates: []string{"alice"}, Tenant: "personal"},

		// Organization A.
		{Name: "list orgs", Method: get, Path: fixed(func(*World) string { return "/api/orgs" }), Allow: anyone, Status: 200, Read: true},
		{Name: "get org", Method: get, Path: fixed(orgPath), Allow: isMember, Status: 200, Deny: 404, DenyDetail: orgGone, Read: true, Tenant: "orgA"},
		{Name: "get org with a malformed id", Method: get, Path: fixed(func(*World) string { return "/api/orgs/not-a-uuid" }),
			Allow: func(Principal) bool { return false }, Deny: 404, DenyDetail: orgGone, Read: true, Tenant: "any"},
		{Name: "get own personal space as an org", Method: get, Path: func(w *World, p Principal) string { return "/api/orgs/" + p.self(w).ID.String() },
			Allow: func(Principal) bool { return false }, Deny: 404, DenyDetail: orgGone, Read: true, Tenant: "any"},
		{Name: "list members", Method: get, Path: fixed(func(w *World) string { return orgPath(w) + "/members" }), Allow: isMember, Status: 200, Deny: 404, DenyDetail: orgGone, Read: true},
		{Name: "list org tasks", Method: get, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks" }), Allow: isMember, Status: 200, Deny: 404, DenyDetail: orgGone, Read: true, Tenant: "orgA"},
		{Name: "get org task", Method: get, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks/" + w.OrgATask.ID.String() }),
			Allow: isMember, Status: 200, Deny: 404, DenyDetail: orgGone, Read: true, Tenant: "orgA"},
		{Name: "get another org's task through org A", Method: get, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks/" + w.OrgBTask.ID.String() }),
			Allow: isMember, Status: 404, OKDetail: taskGone, Deny: 404, DenyDetail: orgGone, Read: true, Tenant: "orgA"},
		{Name: "get org B", Method: get, Path: fixed(func(w *World) string { return "/api/orgs/" + w.OrgB.ID.String() }),
			Allow: ownsB, Status: 200, Deny: 404, DenyDetail: orgGone, Read: true, Tenant: "any"},
		{Name: "get org B's task", Method: get, Path: fixed(func(w *World) string { return "/api/orgs/" + w.OrgB.ID.String() + "/tasks/" + w.OrgBTask.ID.String() }),
			Allow: ownsB, Status: 200, Deny: 404, DenyDetail: orgGone, Read: true, Tenant: "any"},
		{Name: "create org task", Method: post, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks" }), Body: body(map[string]any{"title": "planted"}),
			Allow: isMember, Status: 201, Deny: 404, DenyDetail: orgGone, Mutates: []string{"orgA"}, Tenant: "orgA"},
		{Name: "create org task assigned to a non-member", Method: post, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks" }),
			Body:  func(w *World) any { return map[string]any{"title": "planted", "assigned_user_id": w.Eve.ID} },
			Allow: isMember, Status: 422, Deny: 404, DenyDetail: orgGone, Tenant: "orgA"},
		{Name: "create org task with owner fields", Method: post, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks" }),
			Body:  func(w *World) any { return map[string]any{"title": "planted", "org_id": w.OrgB.ID} },
			Allow: anyone, Status: 422, Tenant: "any"}, // the body is refused before any lookup: it says nothing of the org
		{Name: "replace org task", Method: put, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks/" + w.OrgATask.ID.String() }),
			Body: body(map[string]any{"title": "replaced"}), Allow: isMember, Status: 200, Deny: 404, DenyDetail: orgGone, Mutates: []string{"orgA"}, Tenant: "orgA"},
		{Name: "patch org task", Method: patch, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks/" + w.OrgATask.ID.String() }),
			Body: body(map[string]any{"completed": true}), Allow: isMember, Status: 200, Deny: 404, DenyDetail: orgGone, Mutates: []string{"orgA"}, Tenant: "orgA"},
		{Name: "patch another org's task through org A", Method: patch, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks/" + w.OrgBTask.ID.String() }),
			Body: body(map[string]any{"completed": true}), Allow: isMember, Status: 404, OKDetail: taskGone, Deny: 404, DenyDetail: orgGone, Tenant: "orgA"},
		{Name: "list invitations", Method: get, Path: fixed(func(w *World) string { return orgPath(w) + "/invitations" }),
			Allow: isAdmin, Status: 200, Deny: 404, DenyDetail: orgGone, RoleDeny: 403, Read: true},
		{Name: "list org audit", Method: get, Path: fixed(func(w *World) string { return orgPath(w) + "/audit" }),
			Allow: isAdmin, Status: 200, Deny: 404, DenyDetail: orgGone, RoleDeny: 403, Read: true},
		{Name: "list org audit with a filter", Method: get, Path: fixed(func(w *World) string { return orgPath(w) + "/audit?action=task.create&since=2000-01-01T00:00:00Z" }),
			Allow: isAdmin, Status: 200, Deny: 404, DenyDetail: orgGone, RoleDeny: 403, Read: true},
		{Name: "list org B's audit", Method: get, Path: fixed(func(w *World) string { return "/api/orgs/" + w.OrgB.ID.String() + "/audit" }),
			Allow: ownsB, Status: 200, Deny: 404, DenyDetail: orgGone, Read: true},
		{Name: "invite", Method: post, Path: fixed(func(w *World) string { return orgPath(w) + "/invitations" }),
			Body: body(map[string]any{"email": "invitee@example.com", "role": "member"}), Allow: isAdmin, Status: 201, Deny: 404, DenyDetail: orgGone, RoleDeny: 403},
		{Name: "invite an owner", Method: post, Path: fixed(func(w *World) string { return orgPath(w) + "/invitations" }),
			Body: body(map[string]any{"email": "invitee@example.com", "role": "owner"}), Allow: isOwner, Status: 201, Deny: 404, DenyDetail: orgGone, RoleDeny: 403},
		{Name: "revoke org B's invitation through org A", Method: del, Path: fixed(func(w *World) string { return orgPath(w) + "/invitations/" + w.OrgBInvitation.ID.String() }),
			Allow: isAdmin, Status: 404, OKDetail: tenantry.ErrInvitationNotFound.Message, Deny: 404, DenyDetail: orgGone, RoleDeny: 403},
		{Name: "revoke an invitation", Method: del, Path: fixed(func(w *World) string { return orgPath(w) + "/invitations/" + w.OrgAInvitation.ID.String() }),
			Allow: isAdmin, Status: 204, Deny: 404, DenyDetail: orgGone, RoleDeny: 403},
		{Name: "accept an invitation meant for another email", Method: post, Path: fixed(func(*World) string { return "/auth/invitations/accept" }),
			Body: func(w *World) any { return map[string]any{"token": w.OrgAInvitationToken} }, Allow: anyone, Status: 404, OKDetail: tenantry.ErrInvitationNotFound.Message},
		{Name: "add member", Method: post, Path: fixed(func(w *World) string { return orgPath(w) + "/members" }),
			Body: body(map[string]any{"email": "eve@example.com", "role": "member"}), Allow: isAdmin, Status: 201, Deny: 404, DenyDetail: orgGone, RoleDeny: 403, Mutates: []string{"orgA"}},
		{Name: "promote a member", Method: patch, Path: fixed(func(w *World) string { return orgPath(w) + "/members/" + w.Mia.ID.String() }),
			Body: body(map[string]any{"role": "admin"}), Allow: isAdmin, Status: 200, Deny: 404, DenyDetail: orgGone, RoleDeny: 403, Mutates: []string{"orgA"}},
		{Name: "demote the last owner", Method: patch, Path: fixed(func(w *World) string { return orgPath(w) + "/members/" + w.Alice.ID.String() }),
			Body: body(map[string]any{"role": "member"}), Allow: isOwner, Status: 409, Deny: 404, DenyDetail: orgGone, RoleDeny: 403},
		{Name: "remove the last owner", Method: del, Path: fixed(func(w *World) string { return orgPath(w) + "/members/" + w.Alice.ID.String() }),
			Allow: isOwner, Status: 409, Deny: 404, DenyDetail: orgGone, RoleDeny: 403},
		{Name: "delete org task", Method: del, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks/" + w.OrgATask.ID.String() }),
			Allow: isMember, Status: 204, Deny: 404, DenyDetail: orgGone, Mutates: []string{"orgA"}, Tenant: "orgA"},
		{Name: "bulk delete org tasks", Method: del, Path: fixed(func(w *World) string { return orgPath(w) + "/tasks" }),
			Allow: isAdmin, Status: 200, Deny: 404, DenyDetail: orgGone, RoleDeny: 403, Mutates: []string{"orgA"}, Tenant: "orgA"},
		{Name: "add an owner", Method: post, Path: fixed(func(w *World) string { return orgPath(w) + "/members" }),
			Body:  func(w *World) any { return map[string]any{"user_id": w.Oscar.ID, "role": "owner"} },
			Allow: isOwner, Status: 201, Deny: 404, DenyDetail: orgGone, RoleDeny: 403, Mutates: []string{"orgA"}},
		{Name: "remove a member", Method: del, Path: fixed(func(w *World) string { return orgPath(w) + "/members/" + w.Mia.ID.String() }),
			Allow: isMember, Status: 204, Deny: 404, DenyDetail: orgGone, Mutates: []string{"orgA"}},
		{Name: "create org", Method: post, Path: fixed(func(*World) string { return "/api/orgs" }), Body: body(map[string]any{"name": "new org"}),
			Allow: anyone, Status: 201},

		// The caller's own account.
		{Name: "me", Method: get, Path: fixed(func(*World) string { return "/auth/me" }), Allow: anyone, Status: 200, Read: true},
		{Name: "change password with a wrong current one", Method: post, Path: fixed(func(*World) string { return "/auth/password" }),
			Body: body(map[string]any{"current_password": "wrong password", "new_password": "new password 1"}), Allow: anyone, Status: 403},
		{Name: "logout", Method: post, Path: fixed(func(*World) string { return "/auth/logout" }), Allow: anyone, Status: 204,
			Skip: func(p Principal) bool { return p.Name == "removed member" }}, // keeps his one token for the last case
		{Name: "delete account with a wrong password", Method: del, Path: fixed(func(*World) string { return "/auth/me" }),
			Body: body(map[string]any{"password": "wrong password"}), Allow: anyone, Status: 403},
		{Name: "delete account", Method: del, Path: fixed(func(*World) string { return "/auth/me" }), Body: body(map[string]any{"password": Password}), Allow: anyone, Status: 204,
			Mutates: []string{"*"}}, // Alice may leave: "add an owner" gave organization A a second owner
	}
}

// expect is what p must get for c: status, detail ("" for any) and
// whether the call is allowed to change c.Mutates.
func expect(c Case, p Principal) (status int, detail string, allowed bool) {
	switch {
	case c.Public && p.ForeignOrigin && c.Method != http.MethodGet:
		return 403, "Cross-origin request refused", false
	case c.Public:
		return c.Status, c.OKDetail, false
	case !p.Authed && p.NoCreds:
		return 401, tenantry.MsgNotAuthed, false
	case !p.Authed:
		return 401, tenantry.MsgBadCredentials, false
	case p.ForeignOrigin && c.Method != http.MethodGet:
		return 403, "Cross-origin request refused", false
	case p.Token != "":
		return expectToken(c, p)
	case !c.Allow(p) && p.Role != "" && c.RoleDeny != 0:
		return c.RoleDeny, "", false
	case !c.Allow(p):
		return c.Deny, c.DenyDetail, false
	}
	st := c.Status
	if c.Statusf != nil {
		st = c.Statusf(p)
	}
	if st == 0 {
		st = c.Deny // allowed, but the resource is not there (the own-path cases)
	}
	return st, c.OKDetail, st < 300
}

// expectToken is what a valid API token of Alice's gets: Alice's own answer
// in its tenant, within its scope; the tenant's 404 anywhere else; 403 on
// every route that is not a tenant's tasks.
func expectToken(c Case, p Principal) (status int, detail string, allowed bool) {
	alice := Principal{Name: p.Name, Authed: true, IsAlice: true, Role: tenantry.RoleOwner, self: p.self}
	switch {
	case c.Tenant == "":
		return 403, "API tokens cannot be used here", false
	case c.Tenant == "any":
		return expect(c, alice)
	case c.Tenant != p.Token && c.Tenant == "orgA":
		return 404, tenantry.MsgOrgNotFound, false
	case c.Tenant != p.Token:
		return 404, "", false
	case p.ReadOnly && c.Method != http.MethodGet:
		return 403, "This API token may only read", false
	}
	return expect(c, alice)
}

// forbidden is what p's answers must never contain.
func (w *World) forbidden(p Principal) [][]byte {
	var f []string
	if !p.IsAlice && p.Token != "personal" {
		f = append(f, w.Secret, w.AliceTask.ID.String())
	}
	if p.Role == "" && p.Token != "orgA" {
		f = append(f, w.OrgSecret, w.OrgATask.ID.String())
	}
	if !p.OwnsB {
		f = append(f, w.OrgBTask.ID.String())
	}
	if p.Name != "another user" {
		f = append(f, w.EveTask.ID.String())
	}
	out := make([][]byte, len(f))
	for i, s := range f {
		out[i] = []byte(s)
	}
	return out
}

// check runs one case as p and checks the answer and the data after it,
// against before, the snapshot taken after the previous case. It returns
// the new snapshot.
func check(t *testing.T, w *World, c Case, p Principal, before Snapshot) Snapshot {
	t.Helper()
	var b any
	if c.Body != nil {
		b = c.Body(w)
	}
	path := c.Path(w, p)
	res := w.H.Do(c.Method, path, b, append(p.creds(w), c.Opts...)...)
	want, detail, allowed := expect(c, p)
	if res.Status != want {
		t.Errorf("%s %s as %s: status %d, want %d; body %s", c.Method, path, p.Name, res.Status, want, res.Body)
	}
	if res.Status >= 400 {
		got := res.Problem(t)
		if detail != "" && got.Detail != detail {
			t.Errorf("%s %s as %s: detail %q, want %q", c.Method, path, p.Name, got.Detail, detail)
		}
		if res.Status == 401 && res.Header.Get("WWW-Authenticate") != "Bearer" {
			t.Errorf("%s %s as %s: WWW-Authenticate %q, want Bearer", c.Method, path, p.Name, res.Header.Get("WWW-Authenticate"))
		}
	}
	for _, s := range w.forbidden(p) {
		if bytes.Contains(res.Body, s) || bytes.Contains([]byte(res.Header.Get("Link")), s) {
			t.Errorf("%s %s as %s: answer contains %q: %s", c.Method, path, p.Name, s, res.Body)
		}
	}
	after := w.Snapshot(t)
	var may []string
	if allowed {
		may = c.Mutates
	}
	for _, m := range may {
		if m == "*" {
			return after
		}
	}
	if diff := before.Diff(after, may...); len(diff) > 0 {
		t.Errorf("%s %s as %s changed %v", c.Method, path, p.Name, diff)
		for _, k := range diff {
			t.Logf("%s before: %+v\n after: %+v", k, before[k], after[k])
		}
	}
	return after
}

// Run is the authorization matrix: every case as every principal, each
// principal in a world of its own over a store from open, with the victim's
// data re-read through the store after every call.
func Run(t *testing.T, open func(t *testing.T) tenantry.Store) {
	// The principals' worlds are independent and mostly wait on the
	// database, so they run side by side whatever -parallel says (t.Run may
	// be called from several goroutines).
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxWorlds)
	for _, p := range Principals() {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(p.Name, func(t *testing.T) {
				w := NewWorld(t, NewHarness(t, open(t)))
				snap := w.Snapshot(t)
				for _, c := range Cases() {
					if c.Skip != nil && c.Skip(p) {
						continue
					}
					t.Run(c.Name, func(t *testing.T) { snap = check(t, w, c, p, snap) })
				}
			})
		})
	}
	wg.Wait()
}

// maxWorlds bounds how many principals' worlds Run drives at once.
const maxWorlds = 8

// RunReads is the read-isolation part of the matrix, in one shared world:
// no principal reads, or learns of, data it may not see. Run it against a
// store whose tenant filter was removed to prove a second wall holds alone.
func RunReads(t *testing.T, open func(t *testing.T) tenantry.Store) {
	w := NewWorld(t, NewHarness(t, open(t)))
	base := w.Snapshot(t)
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxWorlds)
	for _, p := range Principals() {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			t.Run(p.Name, func(t *testing.T) {
				snap := base // reads change nothing, so every principal starts from it
				for _, c := range Cases() {
					if !c.Read || (c.Skip != nil && c.Skip(p)) {
						continue
					}
					t.Run(c.Name, func(t *testing.T) { snap = check(t, w, c, p, snap) })
				}
			})
		})
	}
	wg.Wait()
}
