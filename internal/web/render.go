package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/tenantry/tenantry"
)

// pageNames are the templates, each rendered inside layout.html.
var pageNames = []string{"signin", "signup", "tasks", "task", "members", "account", "tokens", "twofactor", "error", "accept", "audit"}

// partials are the templates pages share, parsed with each.
var partials = []string{"templates/task-fields.html"}

// pages holds one parsed template per page.
type pages struct {
	t map[string]*template.Template
}

func parsePages(as *assets) (*pages, error) {
	funcs := template.FuncMap{
		"asset": as.url,
		"when":  when,
		"roles": func() []tenantry.Role {
			return []tenantry.Role{tenantry.RoleMember, tenantry.RoleAdmin, tenantry.RoleOwner}
		},
	}
	ps := &pages{t: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, append([]string{"templates/layout.html", "templates/" + name + ".html"}, partials...)...)
		if err != nil {
			return nil, err
		}
		ps.t[name] = t
	}
	return ps, nil
}

// when is a time as the page shows it: UTC, which the page's script
// replaces with the browser's own locale and zone.
func when(t time.Time) template.HTML {
	t = t.UTC()
	return template.HTML(`<time datetime="` + t.Format(time.RFC3339) + `">` + t.Format("2 Jan 2006, 15:04") + ` UTC</time>`)
}

// form is a form's values and what is wrong with them, by field name.
type form struct {
	Values map[string]string
	Errors map[string]string
}

func newForm() *form { return &form{Values: map[string]string{}, Errors: map[string]string{}} }

// fail notes what is wrong with field.
func (f *form) fail(field, msg string) {
	if _, ok := f.Errors[field]; !ok {
		f.Errors[field] = msg
	}
}

// ok reports whether no field is wrong.
func (f *form) ok() bool { return len(f.Errors) == 0 }

// view is what the layout shows around every page.
type view struct {
	Title  string
	Path   string // the page's, to mark its link in the bar
	Email  string // the signed-in user's; empty when signed out
	Token  string
	Notice string
	Spaces []spaceLink
	Page   any
}

// spaceLink is one entry of the space switcher.
type spaceLink struct {
	Name, Href string
	Current    bool
}

// render writes page name with status. Signed-in pages show the space
// switcher: the personal space and each of the caller's organizations.
func (ui *UI) render(q *req, status int, name, title string, page any, notice string) {
	v := view{Title: title, Path: q.r.URL.Path, Token: q.token, Notice: notice, Page: page}
	if q.caller != nil {
		v.Email = q.caller.Email
		v.Spaces = []spaceLink{{Name: "Personal", Href: "/tasks", Current: q.space != nil && !q.space.org}}
		orgs, err := ui.store.UserOrgs(q.r.Context(), q.caller.UserID, tenantry.Page{Limit: tenantry.MaxPageSize})
		if err != nil && status < 500 {
			ui.fail(q, err)
			return
		}
		for _, m := range orgs {
			v.Spaces = append(v.Spaces, spaceLink{
				Name: m.Org.Name, Href: "/orgs/" + m.Org.ID.String() + "/tasks",
				Current: q.space != nil && q.space.org && q.space.tenantID == m.Org.ID,
			})
		}
	}
	var buf bytes.Buffer
	if err := ui.pages.t[name].Execute(&buf, v); err != nil {
		ui.log.Error("web template failed", "page", name, "error", err.Error())
		http.Error(q.w, "Internal error", http.StatusInternalServerError)
		return
	}
	q.w.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	q.w.WriteHeader(status)
	_, _ = q.w.Write(buf.Bytes())
}

// errorPage is a page that says what went wrong and what to do.
type errorPage struct {
	Heading, Text string
	RetryAfter    int
}

func (ui *UI) errorPage(q *req, status int, heading, text string) {
	ui.render(q, status, "error", heading, errorPage{Heading: heading, Text: text}, "")
}

// notFound is the one page for a missing task or organization and for
// one that is not the caller's: the same bytes for both.
func (ui *UI) notFound(q *req) {
	q.space = nil // the switcher marks no space: the page tells nothing of the path
	ui.errorPage(q, http.StatusNotFound, "Page not found", "There is nothing here, or it is not yours to see. Check the address, or go back to your tasks.")
}

// forbidden is the page for a member whose role does not allow the action.
func (ui *UI) forbidden(q *req, msg string) {
	ui.errorPage(q, http.StatusForbidden, "Not allowed", msg+".")
}

// tooMany is the page for a request a limit refused; it says when to retry.
func (ui *UI) tooMany(q *req, e *TooManyError) {
	secs := int((e.RetryAfter + time.Second - 1) / time.Second)
	secs = max(secs, 1)
	q.w.Header().Set("Retry-After", strconv.Itoa(secs))
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	ui.render(q, http.StatusTooManyRequests, "error", "Too many attempts", errorPage{
		Heading: "Too many attempts", RetryAfter: secs,
		Text: "To keep accounts safe, this has been paused. Wait " + strconv.Itoa(secs) + " " + unit + ", then go back and try again.",
	}, "")
}
