package web

import (
	"net/http"
	"slices"

	"github.com/tenantry/tenantry"
)

// audit records a change made from a page in the tenant's audit log, in
// the same change, as the API does for its own.
func (ui *UI) audit(q *req, tx tenantry.TenantAccess, action, targetType, targetID string, details map[string]any) error {
	e := ui.accounts.AuditSource(q.r)
	e.Action, e.TargetType, e.TargetID, e.Details = action, targetType, targetID, details
	return tx.Audit(q.r.Context(), e)
}

// auditPage is a tenant's audit log, newest first, one page: an
// organization's, or the signed-in user's own (Personal), which holds the
// account's sign-ins, failed sign-ins, password changes and tokens too.
type auditPage struct {
	Org      tenantry.Tenant
	Personal bool
	Entries  []tenantry.AuditEntry
	// Actions are the choices of the action filter, Action the one shown
	// ("" for all).
	Actions []string
	Action  string
}

// auditPageSize is how many entries the audit page shows.
const auditPageSize = tenantry.MaxPageSize

// auditLog shows an organization's audit log to its owners and admins
// (a plain member gets the same 403 as the API's), or the user's own;
// ?action= keeps one action, and an unknown one is no filter.
func (ui *UI) auditLog(q *req) {
	p := auditPage{Personal: !q.space.org, Actions: tenantry.AuditActions()}
	if a := q.r.URL.Query().Get("action"); slices.Contains(tenantry.AuditActions(), a) {
		p.Action = a
	}
	err := ui.view(q, func(tx tenantry.TenantAccess) (err error) {
		if err := tenantry.Need(tx.Scope(), tenantry.RoleAdmin, tenantry.MsgManageMembers); err != nil {
			return err
		}
		if p.Org, err = tx.Tenant(q.r.Context()); err != nil {
			return err
		}
		p.Entries, err = tx.AuditEntries(q.r.Context(), tenantry.AuditFilter{Action: p.Action, Page: tenantry.Page{Limit: auditPageSize}})
		return err
	})
	if err != nil {
		ui.fail(q, err)
		return
	}
	title := p.Org.Name + ": audit log"
	if p.Personal {
		title = "Account activity"
	}
	ui.render(q, http.StatusOK, "audit", title, p, "")
}
