package tenantry

import (
	"context"

	"github.com/google/uuid"
)

// Who may do what in an organization. The API and the web interface both
// call these inside Store.Update, so the rules exist once.

// Messages of the role checks, shown to a member without the role.
const (
	MsgManageMembers = "Only owners and admins can manage members"
	MsgManageOwners  = "Only owners can grant, change or remove the owner role"
	MsgBulkDelete    = "Only owners and admins can delete tasks in bulk"
)

// Need refuses (EFORBIDDEN, msg) a member whose role is below min.
func Need(s Scope, min Role, msg string) error {
	if !s.Role.AtLeast(min) {
		return Errorf(EFORBIDDEN, "%s", msg)
	}
	return nil
}

// MayAddMember checks that the caller may add a member with role: owners
// and admins may, and only owners add owners.
func MayAddMember(s Scope, role Role) error {
	if err := Need(s, RoleAdmin, MsgManageMembers); err != nil {
		return err
	}
	if role == RoleOwner {
		return Need(s, RoleOwner, MsgManageOwners)
	}
	return nil
}

// MaySetRole checks that the caller may give the member userID role:
// owners and admins may, and only owners grant the owner role or change an
// owner's. The member is looked up only once the caller has the admin
// role, so a plain member learns nothing about who belongs.
func MaySetRole(ctx context.Context, tx TenantAccess, userID uuid.UUID, role Role) error {
	if err := Need(tx.Scope(), RoleAdmin, MsgManageMembers); err != nil {
		return err
	}
	target, err := tx.Member(ctx, userID)
	if err != nil {
		return err
	}
	if target.Role == RoleOwner || role == RoleOwner {
		return Need(tx.Scope(), RoleOwner, MsgManageOwners)
	}
	return nil
}

// MayRemoveMember checks that the caller may remove the member userID:
// anyone may leave; removing others takes owner or admin, and removing an
// owner takes owner.
func MayRemoveMember(ctx context.Context, tx TenantAccess, userID uuid.UUID) error {
	if userID == tx.Scope().UserID {
		return nil
	}
	if err := Need(tx.Scope(), RoleAdmin, MsgManageMembers); err != nil {
		return err
	}
	target, err := tx.Member(ctx, userID)
	if err != nil {
		return err
	}
	if target.Role == RoleOwner {
		return Need(tx.Scope(), RoleOwner, MsgManageOwners)
	}
	return nil
}

// MayBulkDelete checks that the caller may delete tasks in bulk: in an
// organization, owners and admins only (a personal tenant's owner may).
func MayBulkDelete(s Scope) error {
	return Need(s, RoleAdmin, MsgBulkDelete)
}
