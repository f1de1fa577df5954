package postgres

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

var errInvalidRole = tenantry.Errorf(tenantry.EINVALID, "Unknown role.")

// Members lists the tenant's members, oldest first.
func (t *tenantTx) Members(ctx context.Context, p tenantry.Page) ([]tenantry.Member, error) {
	limit := int32(p.PageLimit())
	var (
		rows []pgdb.MembersRow
		err  error
	)
	if p.After == nil {
		rows, err = t.q.Members(ctx, pgdb.MembersParams{TenantID: t.scope.TenantID, Lim: limit})
	} else {
		var after []pgdb.MembersAfterRow
		after, err = t.q.MembersAfter(ctx, pgdb.MembersAfterParams{TenantID: t.scope.TenantID, After: *p.After, Lim: limit})
		for _, r := range after {
			rows = append(rows, pgdb.MembersRow(r))
		}
	}
	if err != nil {
		return nil, interpretError("members", err, nil)
	}
	ms := make([]tenantry.Member, len(rows))
	for i, r := range rows {
		ms[i] = toMember(pgdb.MemberRow(r))
	}
	return ms, nil
}

// Member returns one member of the tenant. ErrMemberNotFound.
func (t *tenantTx) Member(ctx context.Context, userID uuid.UUID) (tenantry.Member, error) {
	r, err := t.q.Member(ctx, pgdb.MemberParams{TenantID: t.scope.TenantID, UserID: userID})
	if err != nil {
		return tenantry.Member{}, interpretError("member", err, tenantry.ErrMemberNotFound)
	}
	return toMember(r), nil
}

// AddMember adds a user to the tenant. ErrUserNotFound, ErrAlreadyMember.
func (t *tenantTx) AddMember(ctx context.Context, userID uuid.UUID, role tenantry.Role) (tenantry.Member, error) {
	if !role.Valid() {
		return tenantry.Member{}, errInvalidRole
	}
	// Users are not tenant data: checking first keeps the transaction
	// usable, where a foreign-key error would abort it.
	u, err := t.q.UserByID(ctx, userID)
	if err != nil {
		return tenantry.Member{}, interpretError("add member", err, tenantry.ErrUserNotFound)
	}
	t.changing(userID)
	r, err := t.q.AddMember(ctx, pgdb.AddMemberParams{
		TenantID: t.scope.TenantID, UserID: userID, Role: string(role), CreatedAt: t.db.now(),
	})
	if err != nil { // no row: ON CONFLICT DO NOTHING
		return tenantry.Member{}, interpretError("add member", err, tenantry.ErrAlreadyMember)
	}
	return toMember(pgdb.MemberRow{
		TenantID: r.TenantID, UserID: r.UserID, Email: u.Email, Role: r.Role, CreatedAt: r.CreatedAt,
	}), nil
}

// SetRole changes a member's role. ErrMemberNotFound, ErrLastOwner.
func (t *tenantTx) SetRole(ctx context.Context, userID uuid.UUID, role tenantry.Role) (tenantry.Member, error) {
	if !role.Valid() {
		return tenantry.Member{}, errInvalidRole
	}
	m, err := t.lockMember(ctx, userID)
	if err != nil {
		return tenantry.Member{}, err
	}
	if m.Role == tenantry.RoleOwner && role != tenantry.RoleOwner {
		if err := t.checkNotLastOwner(ctx); err != nil {
			return tenantry.Member{}, err
		}
	}
	t.changing(userID)
	r, err := t.q.SetRole(ctx, pgdb.SetRoleParams{TenantID: t.scope.TenantID, UserID: userID, Role: string(role)})
	if err != nil {
		return tenantry.Member{}, interpretError("set role", err, tenantry.ErrMemberNotFound)
	}
	m.Role = tenantry.Role(r.Role)
	return m, nil
}

// RemoveMember unassigns the member's tasks and removes the member.
// ErrMemberNotFound, ErrLastOwner.
func (t *tenantTx) RemoveMember(ctx context.Context, userID uuid.UUID) error {
	m, err := t.lockMember(ctx, userID)
	if err != nil {
		return err
	}
	if m.Role == tenantry.RoleOwner {
		if err := t.checkNotLastOwner(ctx); err != nil {
			return err
		}
	}
	t.changing(userID)
	err = t.q.UnassignTasks(ctx, pgdb.UnassignTasksParams{TenantID: t.scope.TenantID, UserID: &userID, UpdatedAt: t.db.now()})
	if err != nil {
		return interpretError("remove member: unassign", err, nil)
	}
	n, err := t.q.RemoveMember(ctx, pgdb.RemoveMemberParams{TenantID: t.scope.TenantID, UserID: userID})
	if err != nil {
		return interpretError("remove member", err, nil)
	} else if n == 0 {
		return tenantry.ErrMemberNotFound
	}
	return nil
}

// lockMember locks the tenant row, which serializes every change of roles
// and members in the tenant, and then reads the member: two owners demoting
// each other at once cannot both see the other one still an owner.
func (t *tenantTx) lockMember(ctx context.Context, userID uuid.UUID) (tenantry.Member, error) {
	if _, err := t.q.LockTenant(ctx, t.scope.TenantID); err != nil {
		return tenantry.Member{}, interpretError("lock tenant", err, tenantry.ErrNotMember)
	}
	return t.Member(ctx, userID)
}

// checkNotLastOwner returns ErrLastOwner unless the tenant has another
// owner. The caller holds the tenant lock.
func (t *tenantTx) checkNotLastOwner(ctx context.Context) error {
	count, err := t.q.CountMembers(ctx, t.scope.TenantID)
	if err != nil {
		return interpretError("count owners", err, nil)
	}
	if count.Owners <= 1 {
		return tenantry.ErrLastOwner
	}
	return nil
}

func toMember(r pgdb.MemberRow) tenantry.Member {
	return tenantry.Member{
		TenantID: r.TenantID, UserID: r.UserID, Email: r.Email,
		Role: tenantry.Role(r.Role), CreatedAt: r.CreatedAt.UTC(),
	}
}
