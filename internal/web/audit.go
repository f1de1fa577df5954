package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// audit records a change made from a page in the tenant's audit log, in
// the same change, as the API does for its own.
func (ui *UI) audit(q *req, tx tenantry.TenantAccess, action, targetType, targetID string, details map[string]any) error {
	e := ui.accounts.AuditSource(q.r)
	e.Action, e.TargetType, e.TargetID, e.Details = action, targetType, targetID, details
	return tx.Audit(q.r.Context(), e)
}

// auditActions are the actions the filter offers, in this order.
var auditActions = tenantry.AuditActions()

// actionPattern is an action as the API's query accepts it.
var actionPattern = regexp.MustCompile(`^[a-z_]+\.[a-z_]+$`)

// auditPage is one page of a tenant's audit log, newest first: an
// organization's, or the caller's personal one (Org nil).
type auditPage struct {
	Org     *tenantry.Tenant
	Base    string // the page's path
	Action  string // the filter, "" for every action
	Actions []string
	Entries []auditRow
	From    string // the first day shown (YYYY-MM-DD, UTC), "" for no bound
	To      string // the last day shown, "" for no bound
	First   string // the first page with the same filter
	Next    string // the next page, if any
	Paged   bool   // this is not the first page
}

// auditRow is an entry as the page shows it.
type auditRow struct {
	tenantry.AuditEntry
	Actor   string // the actor's email, or a short id once the account is gone
	Self    bool   // the actor is the caller
	Target  string // the target's email when it is a member, else its type
	Summary string // the entry's details, in words
}

// auditPageSize is how many entries one page shows.
const auditPageSize = 50

// auditLog shows a tenant's audit log: an organization's to its owners
// and admins (a plain member gets the same 403 as the API's), the personal
// one to its owner. ?action= and the days ?from= and ?to= (UTC, both
// included; a malformed day is no bound) filter, ?after= pages.
func (ui *UI) auditLog(q *req) {
	p := auditPage{Base: "/audit", Actions: auditActions}
	if q.space.org {
		p.Base = "/orgs/" + q.space.tenantID.String() + "/audit"
	}
	query := q.r.URL.Query()
	if a := query.Get("action"); actionPattern.MatchString(a) && len(a) <= 64 {
		p.Action = a
		if !slices.Contains(p.Actions, a) {
			p.Actions = append(slices.Clone(p.Actions), a)
		}
	}
	f := tenantry.AuditFilter{Action: p.Action, Page: tenantry.Page{Limit: auditPageSize + 1}}
	if d, err := time.Parse(time.DateOnly, query.Get("from")); err == nil {
		p.From, f.Since = d.Format(time.DateOnly), &d
	}
	if d, err := time.Parse(time.DateOnly, query.Get("to")); err == nil {
		end := d.AddDate(0, 0, 1)
		p.To, f.Until = d.Format(time.DateOnly), &end
	}
	filter := url.Values{}
	for k, v := range map[string]string{"action": p.Action, "from": p.From, "to": p.To} {
		if v != "" {
			filter.Set(k, v)
		}
	}
	p.First = p.Base
	if len(filter) > 0 {
		p.First += "?" + filter.Encode()
	}
	if a := query.Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			ui.notFound(q)
			return
		}
		f.After, p.Paged = &id, true
	}
	var (
		entries []tenantry.AuditEntry
		members []tenantry.Member
	)
	err := ui.view(q, func(tx tenantry.TenantAccess) (err error) {
		if err := tenantry.Need(tx.Scope(), tenantry.RoleAdmin, tenantry.MsgManageMembers); err != nil {
			return err
		}
		if q.space.org {
			t, err := tx.Tenant(q.r.Context())
			if err != nil {
				return err
			}
			p.Org = &t
			if members, err = tx.Members(q.r.Context(), tenantry.Page{Limit: tenantry.MaxPageSize}); err != nil {
				return err
			}
		}
		entries, err = tx.AuditEntries(q.r.Context(), f)
		return err
	})
	if err != nil {
		ui.fail(q, err)
		return
	}
	if len(entries) > auditPageSize {
		entries = entries[:auditPageSize]
		filter.Set("after", entries[auditPageSize-1].ID.String())
		p.Next = p.Base + "?" + filter.Encode()
	}
	emails := map[string]string{}
	for _, m := range members {
		emails[m.UserID.String()] = m.Email
	}
	for _, e := range entries {
		p.Entries = append(p.Entries, auditRow{
			AuditEntry: e, Actor: actorName(e), Self: e.ActorUserID == q.caller.UserID,
			Target: targetName(e, emails), Summary: auditSummary(e.Action, e.Details),
		})
	}
	title := "Your audit log"
	if p.Org != nil {
		title = p.Org.Name + ": audit log"
	}
	ui.render(q, http.StatusOK, "audit", title, p, "")
}

// actorName is who made an entry: their email, or, once the account is
// deleted, the start of their id.
func actorName(e tenantry.AuditEntry) string {
	switch {
	case e.ActorEmail != "":
		return e.ActorEmail
	case e.ActorUserID == uuid.Nil:
		return "nobody signed in"
	}
	return "deleted account " + e.ActorUserID.String()[:8]
}

// targetName is what an entry is about: a member's email for a user who is
// one, else the target's type.
func targetName(e tenantry.AuditEntry, emails map[string]string) string {
	if email, ok := emails[e.TargetID]; ok && e.TargetType == "user" {
		return email
	}
	return e.TargetType
}

// ifTrue is s when b holds, else nothing.
func ifTrue(b bool, s string) string {
	if b {
		return s
	}
	return ""
}

// auditSummary puts an entry's details in words: the known ones first, in
// a fixed order, then any other as "key: value", by key. A count is of
// tasks in a bulk delete, of attempts in a refused or failed one.
func auditSummary(action string, d map[string]any) string {
	var parts []string
	done := map[string]bool{}
	known := func(key string, say func(v any) (string, bool)) {
		if v, ok := d[key]; ok {
			if s, ok := say(v); ok {
				if done[key] = true; s != "" {
					parts = append(parts, s)
				}
			}
		}
	}
	known("title", func(v any) (string, bool) { s, ok := v.(string); return "“" + s + "”", ok })
	known("email", func(v any) (string, bool) { s, ok := v.(string); return s, ok })
	known("role", func(v any) (string, bool) { s, ok := v.(string); return "as " + s, ok })
	known("fields", func(v any) (string, bool) {
		vs, ok := v.([]any)
		fs := make([]string, 0, len(vs))
		for _, f := range vs {
			fs = append(fs, fmt.Sprint(f))
		}
		return "changed " + strings.Join(fs, ", "), ok
	})
	known("method", func(v any) (string, bool) {
		s, ok := v.(string)
		switch s {
		case "token":
			return "by access token", ok
		case "session":
			return "by session", ok
		}
		return "by " + s, ok
	})
	known("signup", func(v any) (string, bool) { b, ok := v.(bool); return ifTrue(b, "at sign-up"), ok })
	known("two_factor", func(v any) (string, bool) { b, ok := v.(bool); return ifTrue(b, "with a two-factor code"), ok })
	known("api_tokens", func(v any) (string, bool) { b, ok := v.(bool); return ifTrue(b, "API tokens too"), ok })
	known("reason", func(v any) (string, bool) {
		s, ok := v.(string)
		switch s {
		case "password":
			return "wrong password", ok
		case "two_factor":
			return "wrong two-factor code", ok
		}
		return s, ok
	})
	known("kind", func(v any) (string, bool) {
		s, ok := v.(string)
		switch s {
		case "org_not_member":
			return "by someone not a member", ok
		case "path_mismatch":
			return "on this account's paths, by another account", ok
		case "api_token_tenant", "api_token_not_member":
			return "with an API token of another tenant", ok
		}
		return s, ok
	})
	known("route", func(v any) (string, bool) { s, ok := v.(string); return s, ok })
	known("count", func(v any) (string, bool) {
		n, ok := v.(float64)
		what := "attempt"
		if action == tenantry.AuditTaskBulkDelete {
			what = "task"
		}
		if n != 1 {
			what += "s"
		}
		return fmt.Sprintf("%d %s", int64(n), what), ok
	})
	var rest []string
	for k := range d {
		if !done[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	for _, k := range rest {
		parts = append(parts, k+": "+fmt.Sprint(d[k]))
	}
	return strings.Join(parts, " · ")
}
