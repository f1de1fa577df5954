package web

import (
	"net/http"

	"github.com/tenantry/tenantry"
)

// audit records a change made from a page in the tenant's audit log, in
// the same change, as the API does for its own.
func (ui *UI) audit(q *req, tx tenantry.TenantAccess, action, targetType, targetID string, details map[string]any) error {
	e := ui.accounts.AuditSource(q.r)
	e.Action, e.TargetType, e.TargetID, e.Details = action, targetType, targetID, details
	return tx.Audit(q.r.Context(), e)
}

// auditPage is an organization's audit log, newest first, one page.
type auditPage struct {
	Org     tenantry.Tenant
	Entries []tenantry.AuditEntry
}

// auditPageSize is how many entries the audit page shows.
const auditPageSize = tenantry.MaxPageSize

// auditLog shows an organization's audit log to its owners and admins;
// a plain member gets the same 403 as the API's.
func (ui *UI) auditLog(q *req) {
	var p auditPage
	err := ui.view(q, func(tx tenantry.TenantAccess) (err error) {
		if err := tenantry.Need(tx.Scope(), tenantry.RoleAdmin, tenantry.MsgManageMembers); err != nil {
			return err
		}
		if p.Org, err = tx.Tenant(q.r.Context()); err != nil {
			return err
		}
		p.Entries, err = tx.AuditEntries(q.r.Context(), tenantry.AuditFilter{Page: tenantry.Page{Limit: auditPageSize}})
		return err
	})
	if err != nil {
		ui.fail(q, err)
		return
	}
	ui.render(q, http.StatusOK, "audit", p.Org.Name+": audit log", p, "")
}
