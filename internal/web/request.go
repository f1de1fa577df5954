package web

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// req is one request to a page: who asks, in which space, and the token
// its forms carry.
type req struct {
	w      http.ResponseWriter
	r      *http.Request
	caller *tenantry.Caller
	token  string // the form token of this session
	space  *space // the personal space or an organization; nil elsewhere
}

// space is a tenant whose tasks a page shows: the caller's personal space,
// or an organization. Whether the caller may see it is decided by the
// store, in View and Update, never here.
type space struct {
	tenantID uuid.UUID
	org      bool
}

// tasksPath is where the space's task list lives.
func (s *space) tasksPath() string {
	if s.org {
		return "/orgs/" + s.tenantID.String() + "/tasks"
	}
	return "/tasks"
}

// secured sets the headers every answer of the interface carries. Pages
// are private or hold a form token: none is stored by the browser, so the
// back button after signing out shows nothing (static sets its own).
func (ui *UI) secured(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				ui.badForm(&req{w: w, r: r}, err)
				return
			}
		}
		next(w, r)
	})
}

// maxFormBytes bounds a posted form: a task's longest description, in
// percent-encoded UTF-8, with room to spare.
const maxFormBytes = 64 << 10

// badForm answers a form body that could not be read: too large, or not a
// form.
func (ui *UI) badForm(q *req, err error) {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		ui.errorPage(q, http.StatusRequestEntityTooLarge, "This form is too large", "Shorten what you typed, then send it again.")
		return
	}
	ui.errorPage(q, http.StatusBadRequest, "This form cannot be read", "Go back, reload the page and try again.")
}

// private runs f for a signed-in caller, within the caller's request limits.
// Without a session a page sends the browser to sign in; a form post
// answers the same, having written nothing. A form post must come from
// this origin (CrossOriginProtection) and carry the session's form token.
func (ui *UI) private(f func(*req)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := ui.accounts.Caller(r)
		if err != nil {
			ui.fail(&req{w: w, r: r}, err)
			return
		}
		ui.as(w, r, c, f)
	}
}

// as is private for the caller c, already identified.
func (ui *UI) as(w http.ResponseWriter, r *http.Request, c *tenantry.Caller, f func(*req)) {
	if c == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	q := &req{w: w, r: r, caller: c, token: ui.sessionToken(c)}
	if r.Method == http.MethodPost && !ui.formAllowed(r, q.token) {
		ui.refuseForm(q)
		return
	}
	tenant := c.UserID.String()
	if id := r.PathValue("org_id"); id != "" {
		// The API's key for the organization: every path that is
		// not a UUID shares one.
		tenant = "org (not a UUID)"
		if u, err := uuid.Parse(id); err == nil {
			tenant = "org " + u.String()
		}
	}
	release, err := ui.accounts.Admit(r, c, tenant)
	if err != nil {
		ui.fail(q, err)
		return
	}
	defer release()
	f(q)
}

// personal runs f in the caller's personal space.
func (ui *UI) personal(f func(*req)) func(*req) {
	return func(q *req) {
		q.space = &space{tenantID: q.caller.UserID}
		f(q)
	}
}

// org runs f in the organization of the path. An id that is not a UUID
// names nothing: the same not-found page as an organization one is not a
// member of.
func (ui *UI) org(f func(*req)) func(*req) {
	return func(q *req) {
		id, err := uuid.Parse(q.r.PathValue("org_id"))
		if err != nil || id.String() != q.r.PathValue("org_id") {
			ui.notFound(q)
			return
		}
		q.space = &space{tenantID: id, org: true}
		f(q)
	}
}

// errWrongKind is a personal tenant's id used as an organization's.
var errWrongKind = tenantry.ErrNotMember

// view reads in the request's space through Store.View, the API's own
// scope check. An organization path that names a personal tenant (even the
// caller's) is not found.
func (ui *UI) view(q *req, fn func(tenantry.TenantAccess) error) error {
	ran := false
	err := ui.store.View(q.r.Context(), q.caller.UserID, q.space.tenantID, func(tx tenantry.TenantAccess) error {
		ran = true
		err := fn(tx)
		if (tx.Scope().Kind == tenantry.KindOrg) != q.space.org {
			return errWrongKind
		}
		return err
	})
	ui.deniedIf(q, err, ran)
	return err
}

// deniedIf records, in the tenant's own log, a caller refused as no
// member of it: ErrNotMember before fn ran. (A personal tenant named as an
// organization, the caller's own, is refused after.)
func (ui *UI) deniedIf(q *req, err error, ran bool) {
	if !ran && errors.Is(err, tenantry.ErrNotMember) {
		ui.accounts.Denied(q.r, q.caller, q.space.tenantID)
	}
}

// update writes in the request's space through Store.Update; the kind is
// checked before anything is written.
func (ui *UI) update(q *req, fn func(tenantry.TenantAccess) error) error {
	ran := false
	err := ui.store.Update(q.r.Context(), q.caller.UserID, q.space.tenantID, func(tx tenantry.TenantAccess) error {
		ran = true
		if (tx.Scope().Kind == tenantry.KindOrg) != q.space.org {
			return errWrongKind
		}
		return fn(tx)
	})
	ui.deniedIf(q, err, ran)
	return err
}

// fail answers an error as a page: not found, forbidden, too many
// requests, unavailable, or (logged) a generic error.
func (ui *UI) fail(q *req, err error) {
	var tooMany *TooManyError
	switch {
	case errors.As(err, &tooMany):
		ui.tooMany(q, tooMany)
	case tenantry.ErrorCode(err) == tenantry.ENOTFOUND:
		ui.notFound(q)
	case tenantry.ErrorCode(err) == tenantry.EFORBIDDEN:
		ui.forbidden(q, tenantry.ErrorMessage(err))
	case tenantry.ErrorCode(err) == tenantry.EUNAVAILABLE:
		ui.errorPage(q, http.StatusServiceUnavailable, "Tenantry is unavailable", "The service cannot reach its database right now. Try again in a moment.")
	default:
		if q.r.Context().Err() == nil {
			ui.log.LogAttrs(q.r.Context(), slog.LevelError, "web page failed",
				slog.String("route", q.r.Pattern), slog.String("error", err.Error()))
		}
		ui.errorPage(q, http.StatusInternalServerError, "Something went wrong", "The page could not be shown. Try again in a moment.")
	}
}

// redirect ends a form post: the browser gets the page at path, with a
// notice of what happened (POST-redirect-GET).
func (ui *UI) redirect(q *req, path, notice string) {
	if notice != "" {
		ui.setFlash(q.w, notice)
	}
	http.Redirect(q.w, q.r, path, http.StatusSeeOther)
}
