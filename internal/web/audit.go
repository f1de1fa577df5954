package web

import "github.com/tenantry/tenantry"

// audit records a change made from a page in the tenant's audit log, in
// the same change, as the API does for its own.
func (ui *UI) audit(q *req, tx tenantry.TenantAccess, action, targetType, targetID string, details map[string]any) error {
	e := ui.accounts.AuditSource(q.r)
	e.Action, e.TargetType, e.TargetID, e.Details = action, targetType, targetID, details
	return tx.Audit(q.r.Context(), e)
}
