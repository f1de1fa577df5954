package web

import (
	"net/http"
)

// accountPage holds the account forms: the new password, and the
// password that confirms deleting the account.
type accountPage struct {
	Password *form
	Delete   *form
}

func (ui *UI) accountPage(q *req) {
	ui.render(q, http.StatusOK, "account", "Your account", accountPage{Password: newForm(), Delete: newForm()}, ui.takeFlash(q.w, q.r))
}

func (ui *UI) changePassword(q *req) {
	f := newForm()
	current, next := q.r.PostFormValue("current_password"), q.r.PostFormValue("new_password")
	if current == "" {
		f.fail("current_password", "Enter your current password.")
	}
	if next == "" {
		f.fail("new_password", "Enter a new password.")
	}
	if f.ok() {
		cookie, err := ui.accounts.ChangePassword(q.r, q.caller, current, next)
		if err == nil {
			http.SetCookie(q.w, cookie)
			ui.redirect(q, "/account", "password")
			return
		}
		if !ui.formError(q, f, err, "current_password") {
			return
		}
	}
	ui.render(q, http.StatusUnprocessableEntity, "account", "Your account", accountPage{Password: f, Delete: newForm()}, "")
}

func (ui *UI) signOutEverywhere(q *req) {
	cookie, err := ui.accounts.SignOutEverywhere(q.r, q.caller)
	if err != nil {
		ui.fail(q, err)
		return
	}
	http.SetCookie(q.w, cookie)
	ui.redirect(q, "/signin", "everywhere")
}

func (ui *UI) deleteAccount(q *req) {
	f := newForm()
	password := q.r.PostFormValue("password")
	if password == "" {
		f.fail("password", "Enter your password to confirm.")
	}
	if f.ok() {
		cookie, err := ui.accounts.DeleteAccount(q.r, q.caller, password)
		if err == nil {
			http.SetCookie(q.w, cookie)
			ui.redirect(q, "/signin", "account-gone")
			return
		}
		if !ui.formError(q, f, err, "password") {
			return
		}
	}
	ui.render(q, http.StatusUnprocessableEntity, "account", "Your account", accountPage{Password: newForm(), Delete: f}, "")
}
