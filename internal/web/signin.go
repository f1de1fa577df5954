package web

import (
	"errors"
	"net/http"

	"github.com/tenantry/tenantry"
)

// credentials is the sign-in and sign-up form.
type credentials struct {
	Form *form
}

// home is the task list when signed in, the sign-in page otherwise.
func (ui *UI) home(w http.ResponseWriter, r *http.Request) {
	c, err := ui.accounts.Caller(r)
	if err != nil {
		ui.fail(&req{w: w, r: r}, err)
		return
	}
	if c != nil {
		ui.as(w, r, c, ui.personal(ui.taskList))
		return
	}
	q := &req{w: w, r: r, token: ui.preSessionToken(w, r)}
	ui.render(q, http.StatusOK, "signin", "Sign in", credentials{Form: newForm()}, ui.takeFlash(w, r))
}

func (ui *UI) signInPage(w http.ResponseWriter, r *http.Request) {
	if ui.signedIn(w, r) {
		return
	}
	q := &req{w: w, r: r, token: ui.preSessionToken(w, r)}
	ui.render(q, http.StatusOK, "signin", "Sign in", credentials{Form: newForm()}, ui.takeFlash(w, r))
}

func (ui *UI) signUpPage(w http.ResponseWriter, r *http.Request) {
	if ui.signedIn(w, r) {
		return
	}
	q := &req{w: w, r: r, token: ui.preSessionToken(w, r)}
	ui.render(q, http.StatusOK, "signup", "Create an account", credentials{Form: newForm()}, "")
}

// signedIn sends a signed-in browser from the sign-in pages to its tasks.
func (ui *UI) signedIn(w http.ResponseWriter, r *http.Request) bool {
	c, err := ui.accounts.Caller(r)
	if err != nil || c == nil {
		return false
	}
	http.Redirect(w, r, "/tasks", http.StatusSeeOther)
	return true
}

// credentialsForm reads the email and password of a posted form; the
// password is never sent back.
func credentialsForm(r *http.Request) (f *form, email, password string) {
	f = newForm()
	email, password = r.PostFormValue("email"), r.PostFormValue("password")
	f.Values["email"] = email
	if email == "" {
		f.fail("email", "Enter your email address.")
	}
	if password == "" {
		f.fail("password", "Enter your password.")
	}
	return f, email, password
}

func (ui *UI) signIn(w http.ResponseWriter, r *http.Request) {
	q := &req{w: w, r: r, token: ui.preSessionToken(w, r)}
	f, email, password := credentialsForm(r)
	if f.ok() {
		code := r.PostFormValue("totp")
		if code != "" {
			f.Values["totp"] = "shown" // the field stays on the page; the code is never sent back
		}
		cookie, err := ui.accounts.SignIn(r, email, password, code)
		if err == nil {
			http.SetCookie(w, cookie)
			ui.redirect(q, "/tasks", "")
			return
		}
		if !ui.formError(q, f, err, "password") {
			return
		}
	}
	ui.render(q, http.StatusUnprocessableEntity, "signin", "Sign in", credentials{Form: f}, "")
}

func (ui *UI) signUp(w http.ResponseWriter, r *http.Request) {
	q := &req{w: w, r: r, token: ui.preSessionToken(w, r)}
	f, email, password := credentialsForm(r)
	if f.ok() {
		cookie, err := ui.accounts.SignUp(r, email, password)
		if err == nil {
			http.SetCookie(w, cookie)
			ui.redirect(q, "/tasks", "")
			return
		}
		if !ui.formError(q, f, err, "email") {
			return
		}
	}
	ui.render(q, http.StatusUnprocessableEntity, "signup", "Create an account", credentials{Form: f}, "")
}

// formError puts what a person can fix next to its field (field, unless
// the error names one) and reports true; any other error is answered as
// its page, and formError reports false.
func (ui *UI) formError(q *req, f *form, err error, field string) bool {
	var fe *FieldError
	switch code := tenantry.ErrorCode(err); {
	case errors.As(err, &fe):
		f.fail(fe.Field, fe.Message)
	case code == tenantry.EINVALID || code == tenantry.ECONFLICT || code == tenantry.EUNAUTHORIZED || code == tenantry.EFORBIDDEN:
		f.fail(field, tenantry.ErrorMessage(err)+".")
	default:
		ui.fail(q, err)
		return false
	}
	return true
}

func (ui *UI) signOut(q *req) {
	cookie, err := ui.accounts.SignOut(q.r, q.caller)
	if err != nil {
		ui.fail(q, err)
		return
	}
	http.SetCookie(q.w, cookie)
	ui.redirect(q, "/signin", "signed-out")
}
