package web

import (
	"testing"

	"github.com/tenantry/tenantry"
)

// TestAuditSummary: an entry's details read as words on the audit pages, a
// false flag says nothing, and a count is of tasks only in a bulk delete.
func TestAuditSummary(t *testing.T) {
	for _, tc := range []struct {
		action  string
		details map[string]any
		want    string
	}{
		{tenantry.AuditLogin, map[string]any{"method": "session", "signup": true, "two_factor": false}, "by session · at sign-up"},
		{tenantry.AuditLogin, map[string]any{"method": "token", "two_factor": true}, "by access token · with a two-factor code"},
		{tenantry.AuditLoginFailed, map[string]any{"reason": "two_factor", "count": float64(3)}, "wrong two-factor code · 3 attempts"},
		{tenantry.AuditAccessDenied, map[string]any{"kind": "org_not_member", "route": "GET /api/orgs/{org_id}/tasks", "count": float64(1)},
			"by someone not a member · GET /api/orgs/{org_id}/tasks · 1 attempt"},
		{tenantry.AuditLogoutAll, map[string]any{"api_tokens": false}, ""},
		{tenantry.AuditTaskBulkDelete, map[string]any{"count": float64(2)}, "2 tasks"},
		{tenantry.AuditTaskUpdate, map[string]any{"title": "Ship", "fields": []any{"title", "completed"}}, "“Ship” · changed title, completed"},
		{tenantry.AuditAccessDenied, map[string]any{"since": "2026-12-04T10:00:00Z"}, "since: 2026-12-04T10:00:00Z"},
	} {
		if got := auditSummary(tc.action, tc.details); got != tc.want {
			t.Errorf("auditSummary(%s, %v) = %q, want %q", tc.action, tc.details, got, tc.want)
		}
	}
}
