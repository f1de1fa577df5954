package server

import (
	"net/http"
	"reflect"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// Security scheme names in the OpenAPI document.
const (
	schemeBearer = "bearer"
	schemeCookie = "cookie"
)

// routes is the whole API surface. Every operation that declares security
// is authenticated by the middleware before its input is read.
func (s *server) routes(api huma.API) {
	const (
		get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
	)

	// Health.
	route(s, api, publicOp(get, "/healthz", "healthz", "Liveness: the process answers."), s.healthz)
	route(s, api, publicOp(get, "/readyz", "readyz", "Readiness: the database answers.", http.StatusServiceUnavailable), s.readyz)

	// Accounts and credentials.
	route(s, api, created(withBody(publicOp(post, "/auth/register", "register",
		"Create an account. The email is stored lower-cased; the password needs at least 8 characters.",
		http.StatusConflict, http.StatusTooManyRequests))), s.register)
	route(s, api, withBody(publicOp(post, "/auth/token", "token",
		"OAuth2 password grant: form fields username (the email) and password. An unknown email and a wrong password get the same 401.",
		http.StatusUnauthorized, http.StatusTooManyRequests)), s.token)
	route(s, api, withBody(publicOp(post, "/auth/login", "login",
		"Open a cookie session (HttpOnly, SameSite=Lax). Any session the browser presented is ended first. Writes with the cookie must come from the same origin.",
		http.StatusUnauthorized, http.StatusTooManyRequests)), s.login)
	route(s, api, authedOp(post, "/auth/logout", "logout",
		"End the presented credential at once: the cookie session is deleted, or the bearer token is revoked."), s.logout)
	route(s, api, authedOp(post, "/auth/logout-all", "logoutAll",
		"End every session and access token of the caller at once, on every server, this one included; API tokens too with include_api_tokens=true."), s.logoutAll)
	route(s, api, authedOp(post, "/auth/2fa/enroll", "enrollTOTP",
		"Start two-factor sign-in: a new secret and its otpauth:// URI, pending until confirmed. 409 if it is on already."), s.enrollTOTP)
	route(s, api, withBody(authedOp(post, "/auth/2fa/confirm", "confirmTOTP",
		"Turn two-factor sign-in on with the first code; answers ten recovery codes, shown once. 403 for a wrong code, 404 if none is pending.",
		http.StatusNotFound, http.StatusConflict)), s.confirmTOTP)
	route(s, api, withBody(authedOp(post, "/auth/2fa/disable", "disableTOTP",
		"Turn two-factor sign-in off, with a code (or a recovery code) or the current password. 403 if wrong, 409 if it is off.",
		http.StatusConflict)), s.disableTOTP)
	route(s, api, authedOp(get, "/auth/me", "me", "The caller's account."), s.me)
	route(s, api, withBody(authedOp(del, "/auth/me", "deleteMe",
		"Delete the caller's account with its personal tasks, sessions and memberships; its tokens stop working. The body gives the current password (403 if wrong). 409 if it is the last owner of an organization with other members.",
		http.StatusForbidden, http.StatusConflict)), s.deleteMe)
	route(s, api, withBody(authedOp(post, "/auth/password", "changePassword",
		"Change the password. Every token and session issued so far stops working, this one included: sign in again. 403 if current_password is wrong.")), s.changePassword)

	// Personal tasks: {user_id} must be the caller (403 otherwise, before any lookup).
	route(s, api, created(withBody(personalOp(post, "/api/{user_id}/tasks", "createTask", "Create a task in the caller's personal space."))), s.createTask)
	route(s, api, personalOp(get, "/api/{user_id}/tasks", "listTasks",
		"List the caller's tasks in creation order. A full page carries a Link header to the next one.", http.StatusUnprocessableEntity), s.listTasks)
	route(s, api, personalOp(del, "/api/{user_id}/tasks", "deleteTasks",
		"Delete all the caller's tasks, or only completed or open ones.", http.StatusUnprocessableEntity), s.deleteTasks)
	route(s, api, personalOp(get, "/api/{user_id}/tasks/{task_id}", "getTask",
		"Get one task, with its ETag; 304 with If-None-Match naming the current one.", http.StatusNotFound), s.getTask)
	route(s, api, withBody(personalOp(put, "/api/{user_id}/tasks/{task_id}", "replaceTask",
		"Replace every settable field of a task; absent optional fields are reset. With If-Match, only the version named (412 otherwise).",
		http.StatusNotFound, http.StatusPreconditionFailed)), s.replaceTask)
	route(s, api, withBody(personalOp(patch, "/api/{user_id}/tasks/{task_id}", "patchTask",
		"Change the fields given; null clears the description. With If-Match, only the version named (412 otherwise).",
		http.StatusNotFound, http.StatusPreconditionFailed)), s.patchTask)
	route(s, api, personalOp(del, "/api/{user_id}/tasks/{task_id}", "deleteTask",
		"Delete one task. With If-Match, only the version named (412 otherwise).", http.StatusNotFound, http.StatusPreconditionFailed), s.deleteTask)

	// API tokens: the caller's own, managed with a password-proven
	// credential only (an API token gets 403 here, as on every route but
	// the tasks').
	route(s, api, created(withBody(personalOp(post, "/api/{user_id}/tokens", "createAPIToken",
		"Create an API token for one tenant the caller belongs to, read or write, optionally expiring. The secret is in the answer only. 404 for a tenant the caller is not in.",
		apiTokenErrors...))), s.createAPIToken)
	route(s, api, personalOp(get, "/api/{user_id}/tokens", "listAPITokens", "The caller's API tokens, oldest first, without their secrets."), s.listAPITokens)
	route(s, api, personalOp(del, "/api/{user_id}/tokens/{token_id}", "deleteAPIToken",
		"Revoke an API token: it stops working at once, on every server.", apiTokenErrors...), s.deleteAPIToken)

	// Export: the caller's own data, streamed.
	route(s, api, exportOp(api, personalOp(get, "/api/{user_id}/export", "exportAccount",
		"Everything the caller owns or sees as a member, as one JSON document streamed page by page: account, personal_tasks, organizations (each with its tasks). Not one snapshot.")), s.export)

	// Organizations. Not a member: 404 for the organization and everything under it.
	route(s, api, created(withBody(authedOp(post, "/api/orgs", "createOrg", "Create an organization; the caller becomes its owner. With an Idempotency-Key, a retry answers the first organization without creating another."))), s.createOrg)
	route(s, api, authedOp(get, "/api/orgs", "listOrgs",
		"The caller's organizations, with the caller's role, oldest first (tie-broken by id). A full page carries a Link header to the next one.",
		http.StatusUnprocessableEntity), s.listOrgs)
	route(s, api, authedOp(get, "/api/orgs/{org_id}", "getOrg", "One of the caller's organizations.", http.StatusNotFound), s.getOrg)
	route(s, api, authedOp(get, "/api/orgs/{org_id}/members", "listMembers",
		"The members, oldest membership first (tie-broken by user id). Any member may list them. A full page carries a Link header to the next one.",
		http.StatusNotFound, http.StatusUnprocessableEntity), s.listMembers)
	route(s, api, created(withBody(authedOp(post, "/api/orgs/{org_id}/members", "addMember",
		"Add a user by email or user_id. Owners and admins only; only owners add owners. 404 if no such account, 409 if already a member.",
		http.StatusNotFound, http.StatusConflict))), s.addMember)
	route(s, api, withBody(authedOp(patch, "/api/orgs/{org_id}/members/{user_id}", "setRole",
		"Change a member's role. Owners and admins only; only owners grant the owner role or change an owner's. 409 if it would leave no owner.",
		http.StatusNotFound, http.StatusConflict)), s.setRole)
	route(s, api, authedOp(del, "/api/orgs/{org_id}/members/{user_id}", "removeMember",
		"Remove a member; their tasks are unassigned. Any member may remove themselves; removing others takes owner or admin, and removing an owner takes owner. 409 for the last owner.",
		http.StatusNotFound, http.StatusConflict), s.removeMember)

	// Invitations: owners and admins invite; whoever holds the token and
	// signs in with the invited email accepts.
	route(s, api, created(withBody(authedOp(post, "/api/orgs/{org_id}/invitations", "createInvitation",
		"Invite an email with a role, whether or not it has an account. Owners and admins only; only owners invite owners. The answer carries the token, once: hand it to the invitee. With an Idempotency-Key, a retry answers the same invitation with a null token (it is never stored) and invites no one again.",
		http.StatusNotFound))), s.createInvitation)
	route(s, api, authedOp(get, "/api/orgs/{org_id}/invitations", "listInvitations",
		"The pending invitations (not accepted, revoked or expired), oldest first, without tokens. Owners and admins only. A full page carries a Link header to the next one.",
		http.StatusNotFound, http.StatusUnprocessableEntity), s.listInvitations)
	route(s, api, authedOp(del, "/api/orgs/{org_id}/invitations/{invitation_id}", "revokeInvitation",
		"Revoke a pending invitation; its token stops working. Owners and admins only.", http.StatusNotFound), s.revokeInvitation)
	route(s, api, withBody(authedOp(post, "/auth/invitations/accept", "acceptInvitation",
		"Accept an invitation: the caller, signed in with the invited email, becomes a member with its role. Accepting again changes nothing. An unknown, expired, revoked or used token, or another account's, is the same 404.",
		http.StatusNotFound)), s.acceptInvitation)

	// Audit logs: who did what in a tenant, newest first.
	route(s, api, authedOp(get, "/api/orgs/{org_id}/audit", "listOrgAudit",
		"The organization's audit log, newest first: who did what, when, from which address and request, and the attempts of non-members refused there (access.denied). Owners and admins only. Filter by action and time range; a full page carries a Link header to the next one.",
		http.StatusNotFound, http.StatusUnprocessableEntity), s.orgAudit)
	route(s, api, personalOp(get, "/api/{user_id}/audit", "listPersonalAudit",
		"The audit log of the caller's personal tenant and account, newest first: its tasks' changes, sign-ins and failed sign-ins, password changes, logouts, API tokens made and revoked, and others' attempts refused there (access.denied). Filter by action and time range; a full page carries a Link header to the next one.",
		http.StatusUnprocessableEntity), s.personalAudit)

	// Organization tasks: every member may read, create, edit and delete one
	// task; bulk delete needs owner or admin.
	route(s, api, created(withBody(authedOp(post, "/api/orgs/{org_id}/tasks", "createOrgTask",
		"Create a task. Any member may. assigned_user_id must be a member (422).", http.StatusNotFound))), s.createOrgTask)
	route(s, api, authedOp(get, "/api/orgs/{org_id}/tasks", "listOrgTasks",
		"List the organization's tasks in creation order. Any member may. A full page carries a Link header to the next one.",
		http.StatusNotFound, http.StatusUnprocessableEntity), s.listOrgTasks)
	route(s, api, authedOp(del, "/api/orgs/{org_id}/tasks", "deleteOrgTasks",
		"Delete all the organization's tasks, or only completed or open ones. Owners and admins only.",
		http.StatusNotFound, http.StatusUnprocessableEntity), s.deleteOrgTasks)
	route(s, api, authedOp(get, "/api/orgs/{org_id}/tasks/{task_id}", "getOrgTask",
		"Get one task, with its ETag; 304 with If-None-Match naming the current one. Any member may.", http.StatusNotFound), s.getOrgTask)
	route(s, api, withBody(authedOp(put, "/api/orgs/{org_id}/tasks/{task_id}", "replaceOrgTask",
		"Replace every settable field of a task; absent optional fields are reset. Any member may. assigned_user_id must be a member (422). With If-Match, only the version named (412 otherwise).",
		http.StatusNotFound, http.StatusPreconditionFailed)), s.replaceOrgTask)
	route(s, api, withBody(authedOp(patch, "/api/orgs/{org_id}/tasks/{task_id}", "patchOrgTask",
		"Change the fields given; null clears the description or the assignee. Any member may. assigned_user_id must be a member (422). With If-Match, only the version named (412 otherwise).",
		http.StatusNotFound, http.StatusPreconditionFailed)), s.patchOrgTask)
	route(s, api, authedOp(del, "/api/orgs/{org_id}/tasks/{task_id}", "deleteOrgTask",
		"Delete one task. Any member may. With If-Match, only the version named (412 otherwise).", http.StatusNotFound, http.StatusPreconditionFailed), s.deleteOrgTask)

	s.document(api)
}

// pages are the routes that are not API operations: the docs page and its
// files (docs.go). The OpenAPI documents are huma's own routes,
// /openapi.json (3.1) and /openapi-3.0.json.
func (s *server) pages(mux *splitMux) {
	docs := docsHandler(s.writePlainProblem)
	mux.Handle("GET /docs", docs)
	mux.Handle("GET /docs/{file}", docs)
}

// document corrects what huma's reflection cannot know about the answers,
// and keeps the document within OpenAPI, so strict validators load it.
func (s *server) document(api huma.API) {
	seen := map[*huma.Schema]bool{}
	for _, sc := range api.OpenAPI().Components.Schemas.Map() {
		plainSchema(sc, seen)
	}
	for _, item := range api.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Put, item.Patch, item.Delete} {
			if op == nil {
				continue
			}
			for _, p := range op.Parameters {
				plainSchema(p.Schema, seen)
			}
			if op.Security == nil {
				// Public: say so, rather than leave tools to guess.
				op.Security = []map[string][]string{}
			}
			for code, r := range op.Responses {
				for _, m := range r.Content {
					plainSchema(m.Schema, seen)
				}
				if h := r.Headers["Link"]; h != nil {
					h.Description = "The next page, as `<URL>; rel=\"next\"` (RFC 8288), when this page is full; " +
						"absent on the last page. The URL keeps the query and sets the `after` cursor."
				}
				// A list is never null: the handlers send [] for none.
				// (huma's DefaultArrayNullable is package state; it is
				// left alone.)
				if m := r.Content["application/json"]; strings.HasPrefix(code, "2") && m != nil && m.Schema != nil && m.Schema.Type == huma.TypeArray {
					m.Schema.Nullable = false
				}
				// Every 401 names the scheme to use (RFC 9110 11.6.1).
				if code == "401" {
					if r.Headers == nil {
						r.Headers = map[string]*huma.Param{}
					}
					r.Headers["WWW-Authenticate"] = &huma.Param{
						Description: `Always "Bearer".`,
						Schema:      &huma.Schema{Type: huma.TypeString},
					}
				}
				// Every 429 says when to come back.
				if code == "429" {
					if r.Headers == nil {
						r.Headers = map[string]*huma.Param{}
					}
					r.Headers["Retry-After"] = &huma.Param{
						Description: "Seconds to wait before trying again.",
						Schema:      &huma.Schema{Type: huma.TypeInteger},
					}
				}
			}
		}
	}

	// A task read may be answered 304 (etag.go); huma documents only the
	// default status of an output with a Status field.
	for _, path := range []string{"/api/{user_id}/tasks/{task_id}", "/api/orgs/{org_id}/tasks/{task_id}"} {
		op := api.OpenAPI().Paths[path].Get
		op.Responses["304"] = &huma.Response{
			Description: "Not Modified: If-None-Match names the task's current ETag. No body.",
			Headers: map[string]*huma.Param{"ETag": {
				Description: "The task's current ETag.", Schema: &huma.Schema{Type: huma.TypeString},
			}},
		}
	}

	// The token form is read by hand; document its fields.
	tokenBody := api.OpenAPI().Paths["/auth/token"].Post.RequestBody
	tokenBody.Required = true
	tokenBody.Content["application/x-www-form-urlencoded"].Schema =
		api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[TokenForm](), true, "TokenForm")
}

// plainSchema moves huma's patternDescription, which is not an OpenAPI
// keyword (strict validators refuse it), into the description of sc and of
// every schema within it. huma computed each schema's validation messages
// when it built the schema, so a pattern failure still reads "expected
// string to be no control characters".
func plainSchema(sc *huma.Schema, seen map[*huma.Schema]bool) {
	if sc == nil || seen[sc] {
		return
	}
	seen[sc] = true
	if d := sc.PatternDescription; d != "" {
		sc.Description = strings.TrimSpace(sc.Description + " " + strings.ToUpper(d[:1]) + d[1:] + ".")
		sc.PatternDescription = ""
	}
	for _, p := range sc.Properties {
		plainSchema(p, seen)
	}
	plainSchema(sc.Items, seen)
	plainSchema(sc.Not, seen)
	for _, list := range [][]*huma.Schema{sc.OneOf, sc.AnyOf, sc.AllOf} {
		for _, sub := range list {
			plainSchema(sub, seen)
		}
	}
	if ap, ok := sc.AdditionalProperties.(*huma.Schema); ok {
		plainSchema(ap, seen)
	}
}

// publicOp is an operation anyone may call. Unsafe methods are refused (403)
// when a browser sends them cross-origin.
func publicOp(method, path, id, desc string, errs ...int) huma.Operation {
	errs = append(errs, http.StatusInternalServerError)
	if unsafeMethod(method) {
		errs = append(errs, http.StatusForbidden)
	}
	return huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary(desc), Description: desc,
		Tags: []string{tag(path)}, Errors: errs,
	}
}

// authedOp is an operation that needs a bearer token or a session cookie.
func authedOp(method, path, id, desc string, errs ...int) huma.Operation {
	op := publicOp(method, path, id, desc, append(errs, http.StatusUnauthorized, http.StatusTooManyRequests)...)
	op.Security = []map[string][]string{{schemeBearer: {}}, {schemeCookie: {}}}
	return op
}

// personalOp is an authenticated operation under /api/{user_id}.
func personalOp(method, path, id, desc string, errs ...int) huma.Operation {
	op := authedOp(method, path, id, desc, append(errs, http.StatusForbidden)...)
	op.Metadata = map[string]any{metaPersonal: true}
	return op
}

// withBody adds the answers of reading a body.
func withBody(op huma.Operation) huma.Operation {
	op.Errors = append(op.Errors, http.StatusBadRequest, http.StatusRequestTimeout, http.StatusRequestEntityTooLarge,
		http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
	op.MaxBodyBytes = maxBodyBytes
	op.BodyReadTimeout = -1 // guardBody bounds the read and lifts its deadline after
	return op
}

// exportOp documents the streamed export's answer, which huma cannot
// reflect from a StreamResponse.
func exportOp(api huma.API, op huma.Operation) huma.Operation {
	schema := api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[ExportOut](), true, "ExportOut")
	op.Responses = map[string]*huma.Response{"200": {
		Description: "The export.",
		Content:     map[string]*huma.MediaType{"application/json": {Schema: schema}},
	}}
	return op
}

// created answers 201.
func created(op huma.Operation) huma.Operation {
	op.DefaultStatus = http.StatusCreated
	return op
}

func summary(desc string) string {
	for i, r := range desc {
		if r == '.' || r == ':' {
			return desc[:i]
		}
	}
	return desc
}

func tag(path string) string {
	switch {
	case path == "/healthz" || path == "/readyz":
		return "health"
	case len(path) >= 5 && path[:5] == "/auth":
		return "accounts"
	case len(path) >= 9 && path[:9] == "/api/orgs":
		return "organizations"
	case strings.HasSuffix(path, "/tokens") || strings.Contains(path, "/tokens/"):
		return "api tokens"
	}
	return "personal tasks"
}
