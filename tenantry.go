// Package tenantry holds Tenantry's domain: the types every layer shares, the
// store interfaces the database packages implement, and the error codes the
// HTTP layer maps to statuses.
//
// A tenant is whoever owns data: a user's personal space or an organization.
// Tenant-owned data is reached only through a TenantAccess, and a TenantAccess is only
// handed out by Store.View or Store.Update after the store has checked that the
// user is a member of the tenant. No method anywhere takes a bare task id.
package tenantry

import (
	"time"

	"github.com/google/uuid"
)

// TenantKind says whether a tenant is a user's personal space or an organization.
type TenantKind string

// The kinds of tenant.
const (
	KindPersonal TenantKind = "personal"
	KindOrg      TenantKind = "org"
)

// Role is a member's role in a tenant.
type Role string

// The roles, strongest first. A personal tenant's only member is its owner.
const (
	RoleOwner  Role = "owner"
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOwner, RoleAdmin, RoleMember:
		return true
	}
	return false
}

func (r Role) rank() int {
	switch r {
	case RoleOwner:
		return 3
	case RoleAdmin:
		return 2
	case RoleMember:
		return 1
	}
	return 0
}

// AtLeast reports whether r grants at least what min grants.
func (r Role) AtLeast(min Role) bool { return r.rank() >= min.rank() && r.rank() > 0 }

// Tenant is an owner of data.
type Tenant struct {
	ID        uuid.UUID
	Kind      TenantKind
	Name      string
	CreatedAt time.Time
}

// Scope describes a checked membership: the user, the tenant, and the user's
// role in it. It is reported by TenantAccess.Scope and never accepted as input, so
// holding one proves nothing; holding a TenantAccess does.
type Scope struct {
	UserID   uuid.UUID
	TenantID uuid.UUID
	Kind     TenantKind
	Role     Role
}

// Member is a user's membership of a tenant, with the user's email.
type Member struct {
	TenantID  uuid.UUID
	UserID    uuid.UUID
	Email     string
	Role      Role
	CreatedAt time.Time
}

// Page selects one page of a list of organizations or members, in the
// list's documented order (oldest first, tie-broken by id): at most Limit
// items after the one whose id is After (an organization's id, a member's
// user id). A Limit outside 1..MaxPageSize is read as DefaultPageSize or
// MaxPageSize, as in TaskFilter. A cursor that names no item of this list
// (an organization the user left or never belonged to, a member who left)
// gives an empty page: a cursor tells nothing about other tenants.
type Page struct {
	After *uuid.UUID
	Limit int
}

// PageLimit is p's Limit brought into 1..MaxPageSize.
func (p Page) PageLimit() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}

// OrgMembership is an organization seen by one of its members.
type OrgMembership struct {
	Org  Tenant
	Role Role
}
