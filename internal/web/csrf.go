package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"log/slog"
	"net/http"

	"github.com/tenantry/tenantry"
)

// Form tokens. Every form post must pass net/http's CrossOriginProtection
// (Sec-Fetch-Site, or Origin against Host) and carry a token a page on
// another site cannot know, for browsers that send neither header:
//   - signed in, the token is an HMAC of the session (its stored hash), so
//     it lives and dies with the session and needs no storage;
//   - before signing in (sign-in and sign-up forms: login CSRF), it is a
//     random value in a cookie of its own, repeated in the form.

// tokenField is the hidden form field that carries the token.
const tokenField = "csrf_token"

// sessionToken is the form token of c's session.
func (ui *UI) sessionToken(c *tenantry.Caller) string {
	m := hmac.New(sha256.New, ui.secret)
	m.Write([]byte("tenantry web form token\x00"))
	m.Write(c.SessionHash)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// formAllowed reports whether a form post came from this origin's page
// with the expected token.
func (ui *UI) formAllowed(r *http.Request, want string) bool {
	if ui.cop.Check(r) != nil {
		return false
	}
	got := r.PostFormValue(tokenField)
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// preCookieName is the cookie of the pre-session token.
func (ui *UI) preCookieName() string {
	if ui.secure {
		return "__Host-tenantry_form"
	}
	return "tenantry_form"
}

// preSessionToken is the browser's pre-session token, set now if it has
// none.
func (ui *UI) preSessionToken(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(ui.preCookieName()); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw) // never fails (crypto/rand)
	v := base64.RawURLEncoding.EncodeToString(raw)
	http.SetCookie(w, &http.Cookie{
		Name: ui.preCookieName(), Value: v, Path: "/", HttpOnly: true, Secure: ui.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 24 * 3600,
	})
	return v
}

// preSessionAllowed reports whether a sign-in or sign-up post came from
// this origin's page, with the token of the browser's cookie.
func (ui *UI) preSessionAllowed(r *http.Request) bool {
	c, err := r.Cookie(ui.preCookieName())
	if err != nil {
		return false
	}
	return ui.formAllowed(r, c.Value)
}

// public guards the sign-in and sign-up posts against login CSRF.
func (ui *UI) public(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !ui.preSessionAllowed(r) {
			ui.refuseForm(&req{w: w, r: r})
			return
		}
		f(w, r)
	}
}

// refuseForm answers a form post that failed the checks: 403, nothing
// written.
func (ui *UI) refuseForm(q *req) {
	attrs := []slog.Attr{slog.String("event", "form_refused"), slog.String("route", q.r.Pattern),
		slog.String("remote_addr", q.r.RemoteAddr), slog.String("request_id", q.w.Header().Get("X-Request-Id"))}
	if q.caller != nil {
		attrs = append(attrs, slog.String("user_id", q.caller.UserID.String()))
	}
	if err := ui.cop.Check(q.r); err != nil {
		attrs = append(attrs, slog.String("reason", "cross-origin"))
	} else {
		attrs = append(attrs, slog.String("reason", "missing or wrong form token"))
	}
	ui.log.LogAttrs(q.r.Context(), slog.LevelWarn, "security event", attrs...)
	ui.errorPage(q, http.StatusForbidden, "This form cannot be sent",
		"It came from another site, or the page was open too long. Go back, reload the page and try again.")
}
