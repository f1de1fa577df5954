package web

import (
	"net/http"
)

// Notices after a redirect: the cookie holds a key of this table, never
// text, so nothing a request sets is ever shown.
var notices = map[string]string{
	"signed-up":      "Your account is ready. Sign in to start.",
	"signed-in":      "Welcome back.",
	"signed-out":     "You are signed out.",
	"created":        "Task added.",
	"saved":          "Task saved.",
	"completed":      "Task marked done.",
	"reopened":       "Task reopened.",
	"deleted":        "Task deleted.",
	"cleared":        "Completed tasks deleted.",
	"org-created":    "Organization created. Add its members from the Members page.",
	"member-added":   "Member added.",
	"invite-revoked": "Invitation revoked.",
	"joined":         "Invitation accepted: you are a member now.",
	"role-changed":   "Role changed.",
	"member-gone":    "Member removed.",
	"left":           "You left the organization.",
	"last-owner":     "An organization must keep at least one owner: make someone else an owner first.",
	"password":       "Password changed. Your other sessions have ended.",
	"everywhere":     "You are signed out on every device.",
	"account-gone":   "Your account and its tasks are deleted.",
	"token-revoked":  "Token revoked: it no longer works.",
	"2fa-off":        "Two-factor sign-in is off.",
}

// flashCookie is the name of the notice cookie.
func (ui *UI) flashCookie() string {
	if ui.secure {
		return "__Host-tenantry_notice"
	}
	return "tenantry_notice"
}

// setFlash keeps a notice for the next page.
func (ui *UI) setFlash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{
		Name: ui.flashCookie(), Value: key, Path: "/", HttpOnly: true, Secure: ui.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 60,
	})
}

// takeFlash returns the notice kept for this page, and forgets it.
func (ui *UI) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(ui.flashCookie())
	if err != nil {
		return ""
	}
	http.SetCookie(w, &http.Cookie{
		Name: ui.flashCookie(), Value: "", Path: "/", HttpOnly: true, Secure: ui.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1,
	})
	return notices[c.Value]
}
