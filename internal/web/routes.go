package web

import "net/http"

// Mux is where the pages are registered: a ServeMux, or the API's router.
type Mux interface {
	Handle(pattern string, h http.Handler)
}

// Register adds every page of the interface to mux. This is the whole
// surface: GETs show pages, POSTs change something and redirect.
func (ui *UI) Register(mux Mux) {
	h := func(pattern string, f http.HandlerFunc) { mux.Handle(pattern, ui.secured(f)) }

	h("GET /static/{file}", ui.static)

	// Signing up, in and out.
	h("GET /{$}", ui.home)
	h("GET /signin", ui.signInPage)
	h("POST /signin", ui.public(ui.signIn))
	h("GET /signup", ui.signUpPage)
	h("POST /signup", ui.public(ui.signUp))
	h("POST /signout", ui.private(ui.signOut))

	// Personal tasks.
	h("GET /tasks", ui.private(ui.personal(ui.taskList)))
	h("POST /tasks", ui.private(ui.personal(ui.createTask)))
	h("POST /tasks/delete-completed", ui.private(ui.personal(ui.deleteCompleted)))
	h("GET /tasks/{task_id}", ui.private(ui.personal(ui.taskPage)))
	h("POST /tasks/{task_id}", ui.private(ui.personal(ui.editTask)))
	h("POST /tasks/{task_id}/toggle", ui.private(ui.personal(ui.toggleTask)))
	h("POST /tasks/{task_id}/delete", ui.private(ui.personal(ui.deleteTask)))

	// Organizations: a non-member gets the not-found page for all of it.
	h("POST /orgs", ui.private(ui.createOrg))
	h("GET /orgs/{org_id}/tasks", ui.private(ui.org(ui.taskList)))
	h("POST /orgs/{org_id}/tasks", ui.private(ui.org(ui.createTask)))
	h("POST /orgs/{org_id}/tasks/delete-completed", ui.private(ui.org(ui.deleteCompleted)))
	h("GET /orgs/{org_id}/tasks/{task_id}", ui.private(ui.org(ui.taskPage)))
	h("POST /orgs/{org_id}/tasks/{task_id}", ui.private(ui.org(ui.editTask)))
	h("POST /orgs/{org_id}/tasks/{task_id}/toggle", ui.private(ui.org(ui.toggleTask)))
	h("POST /orgs/{org_id}/tasks/{task_id}/delete", ui.private(ui.org(ui.deleteTask)))
	h("GET /orgs/{org_id}/members", ui.private(ui.org(ui.membersPage)))
	h("GET /orgs/{org_id}/audit", ui.private(ui.org(ui.auditLog)))
	h("POST /orgs/{org_id}/members", ui.private(ui.org(ui.addMember)))
	h("POST /orgs/{org_id}/members/{user_id}/role", ui.private(ui.org(ui.setRole)))
	h("POST /orgs/{org_id}/members/{user_id}/remove", ui.private(ui.org(ui.removeMember)))
	h("POST /orgs/{org_id}/leave", ui.private(ui.org(ui.leaveOrg)))
	h("POST /orgs/{org_id}/invitations", ui.private(ui.org(ui.invite)))
	h("POST /orgs/{org_id}/invitations/{invitation_id}/revoke", ui.private(ui.org(ui.revokeInvitation)))
	h("GET /invitations/accept", ui.private(ui.acceptPage))
	h("POST /invitations/accept", ui.private(ui.acceptInvitation))

	// The account.
	h("GET /account", ui.private(ui.accountPage))
	h("GET /account/audit", ui.private(ui.personal(ui.auditLog)))
	h("POST /account/password", ui.private(ui.changePassword))
	h("POST /account/signout-everywhere", ui.private(ui.signOutEverywhere))
	h("POST /account/delete", ui.private(ui.deleteAccount))
	h("GET /account/2fa", ui.private(ui.twoFactorPage))
	h("POST /account/2fa/enroll", ui.private(ui.enrollTwoFactor))
	h("POST /account/2fa/confirm", ui.private(ui.confirmTwoFactor))
	h("POST /account/2fa/disable", ui.private(ui.disableTwoFactor))
	h("GET /account/tokens", ui.private(ui.tokensPage))
	h("POST /account/tokens", ui.private(ui.createToken))
	h("POST /account/tokens/{token_id}/revoke", ui.private(ui.revokeToken))
}
