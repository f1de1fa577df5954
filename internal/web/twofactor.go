package web

import (
	"errors"
	"net/http"

	"github.com/tenantry/tenantry"
)

// twoFactorPage is the two-factor page: off (a button to start), pending
// (the secret and URI to enter in an app, and the first code), or on (the
// recovery codes once, right after turning it on, and the form that turns
// it off).
type twoFactorPage struct {
	Enabled       bool
	Secret, URI   string
	RecoveryCodes []string
	Confirm       *form
	Disable       *form
}

func (ui *UI) twoFactorPage(q *req) {
	p := twoFactorPage{Confirm: newForm(), Disable: newForm()}
	t, err := ui.store.UserTOTP(q.r.Context(), q.caller.UserID)
	switch {
	case err == nil:
		p.Enabled = t.Enabled
	case !errors.Is(err, tenantry.ErrTOTPNotFound):
		ui.fail(q, err)
		return
	}
	ui.render(q, http.StatusOK, "twofactor", "Two-factor sign-in", p, ui.takeFlash(q.w, q.r))
}

func (ui *UI) enrollTwoFactor(q *req) {
	secret, uri, err := ui.accounts.EnrollTOTP(q.r, q.caller)
	if err != nil {
		ui.fail(q, err)
		return
	}
	ui.render(q, http.StatusOK, "twofactor", "Two-factor sign-in", twoFactorPage{Secret: secret, URI: uri, Confirm: newForm(), Disable: newForm()}, "")
}

func (ui *UI) confirmTwoFactor(q *req) {
	f := newForm()
	code := q.r.PostFormValue("code")
	if code == "" {
		f.fail("code", "Enter the code your app shows.")
	}
	if f.ok() {
		codes, err := ui.accounts.ConfirmTOTP(q.r, q.caller, code)
		if err == nil {
			// The codes are on this answer only.
			ui.render(q, http.StatusOK, "twofactor", "Two-factor sign-in", twoFactorPage{Enabled: true, RecoveryCodes: codes, Confirm: newForm(), Disable: newForm()}, "")
			return
		}
		if !ui.formError(q, f, err, "code") {
			return
		}
	}
	t, _ := ui.store.UserTOTP(q.r.Context(), q.caller.UserID)
	ui.render(q, http.StatusUnprocessableEntity, "twofactor", "Two-factor sign-in", twoFactorPage{Secret: t.Secret, Confirm: f, Disable: newForm()}, "")
}

func (ui *UI) disableTwoFactor(q *req) {
	f := newForm()
	if err := ui.accounts.DisableTOTP(q.r, q.caller, q.r.PostFormValue("password")); err != nil {
		if !ui.formError(q, f, err, "password") {
			return
		}
		ui.render(q, http.StatusUnprocessableEntity, "twofactor", "Two-factor sign-in", twoFactorPage{Enabled: true, Confirm: newForm(), Disable: f}, "")
		return
	}
	ui.redirect(q, "/account/2fa", "2fa-off")
}
