package tenantry_test

import (
	"testing"

	"github.com/tenantry/tenantry"
)

// TestRoleRules: who may add a member of which role, and bulk delete.
// (The rules that look a member up are held by the authorization matrix,
// internal/authztest, over both stores.)
func TestRoleRules(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		caller, role       tenantry.Role
		mayAdd, mayBulkDel bool
	}{
		{tenantry.RoleOwner, tenantry.RoleOwner, true, true},
		{tenantry.RoleOwner, tenantry.RoleMember, true, true},
		{tenantry.RoleAdmin, tenantry.RoleAdmin, true, true},
		{tenantry.RoleAdmin, tenantry.RoleOwner, false, true},
		{tenantry.RoleMember, tenantry.RoleMember, false, false},
		{"", tenantry.RoleMember, false, false},
	} {
		s := tenantry.Scope{Role: c.caller, Kind: tenantry.KindOrg}
		if got := tenantry.MayAddMember(s, c.role) == nil; got != c.mayAdd {
			t.Errorf("%q adds %q: allowed %v, want %v", c.caller, c.role, got, c.mayAdd)
		}
		err := tenantry.MayBulkDelete(s)
		if got := err == nil; got != c.mayBulkDel {
			t.Errorf("%q bulk deletes: allowed %v, want %v", c.caller, got, c.mayBulkDel)
		}
		if err != nil && (tenantry.ErrorCode(err) != tenantry.EFORBIDDEN || tenantry.ErrorMessage(err) != tenantry.MsgBulkDelete) {
			t.Errorf("%q bulk deletes: %v", c.caller, err)
		}
	}
}
