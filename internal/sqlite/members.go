package sqlite

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// The last-owner rule is a check followed by a write (count the owners, then
// demote or delete). It is atomic because every write transaction runs on
// the one connection of the write pool and begins IMMEDIATE: no other writer
// can change the owners between the count and the write.

var errInvalidRole = tenantry.Errorf(tenantry.EINVALID, "role must be owner, admin or member")

// Members lists the tenant's members, oldest first.
func (t *tenantTx) Members(ctx context.Context, p tenantry.Page) ([]tenantry.Member, error) {
	limit := int64(p.PageLimit())
	var (
		rows []sqlitedb.MembersRow
		err  error
	)
	if p.After == nil {
		rows, err = t.q.Members(ctx, sqlitedb.MembersParams{TenantID: t.tid, Limit: limit})
	} else {
		var after []sqlitedb.MembersAfterRow
		after, err = t.q.MembersAfter(ctx, sqlitedb.MembersAfterParams{TenantID: t.tid, After: idBytes(*p.After), Limit: limit})
		for _, r := range after {
			rows = append(rows, sqlitedb.MembersRow(r))
		}
	}
	if err != nil {
		return nil, interpretError("members", err, nil)
	}
	ms := make([]tenantry.Member, len(rows))
	for i, r := range rows {
		ms[i] = toMember(sqlitedb.MemberRow(r))
	}
	return ms, nil
}

// Member returns one member of the tenant. ErrMemberNotFound.
func (t *tenantTx) Member(ctx context.Context, userID uuid.UUID) (tenantry.Member, error) {
	r, err := t.q.Member(ctx, sqlitedb.MemberParams{TenantID: t.tid, UserID: idBytes(userID)})
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
	u, err := t.q.UserByID(ctx, idBytes(userID))
	if err != nil {
		return tenantry.Member{}, interpretError("add member: user", err, tenantry.ErrUserNotFound)
	}
	m := tenantry.Member{
		TenantID:  t.scope.TenantID,
		UserID:    userID,
		Email:     u.Email,
		Role:      role,
		CreatedAt: t.db.now(),
	}
	err = t.q.AddMember(ctx, sqlitedb.AddMemberParams{
		TenantID: t.tid, UserID: idBytes(userID), Role: string(role), CreatedAt: micros(m.CreatedAt),
	})
	if isConstraint(err, errPrimaryKey) || isConstraint(err, errUnique) {
		return tenantry.Member{}, tenantry.ErrAlreadyMember
	} else if err != nil {
		return tenantry.Member{}, interpretError("add member", err, nil)
	}
	return m, nil
}

// SetRole changes a member's role. ErrMemberNotFound, ErrLastOwner.
func (t *tenantTx) SetRole(ctx context.Context, userID uuid.UUID, role tenantry.Role) (tenantry.Member, error) {
	if !role.Valid() {
		return tenantry.Member{}, errInvalidRole
	}
	m, err := t.Member(ctx, userID)
	if err != nil {
		return tenantry.Member{}, err
	}
	if m.Role == tenantry.RoleOwner && role != tenantry.RoleOwner {
		if err := t.checkNotLastOwner(ctx); err != nil {
			return tenantry.Member{}, err
		}
	}
	t.changing(userID)
	if _, err := t.q.SetRole(ctx, sqlitedb.SetRoleParams{
		TenantID: t.tid, UserID: idBytes(userID), Role: string(role),
	}); err != nil {
		return tenantry.Member{}, interpretError("set role", err, nil)
	}
	m.Role = role
	return m, nil
}

// RemoveMember unassigns the member's tasks and removes the member, in that
// order (SQLite cannot SET NULL one column of the composite foreign key).
// ErrMemberNotFound, ErrLastOwner.
func (t *tenantTx) RemoveMember(ctx context.Context, userID uuid.UUID) error {
	m, err := t.Member(ctx, userID)
	if err != nil {
		return err
	}
	if m.Role == tenantry.RoleOwner {
		if err := t.checkNotLastOwner(ctx); err != nil {
			return err
		}
	}
	t.changing(userID)
	uid := idBytes(userID)
	if err := t.q.UnassignTasks(ctx, sqlitedb.UnassignTasksParams{
		TenantID: t.tid, UserID: uid, UpdatedAt: micros(t.db.now()),
	}); err != nil {
		return interpretError("remove member: unassign tasks", err, nil)
	}
	if _, err := t.q.RemoveMember(ctx, sqlitedb.RemoveMemberParams{TenantID: t.tid, UserID: uid}); err != nil {
		return interpretError("remove member", err, nil)
	}
	return nil
}

// checkNotLastOwner returns ErrLastOwner unless the tenant has another
// owner besides the one about to lose the role.
func (t *tenantTx) checkNotLastOwner(ctx context.Context) error {
	count, err := t.q.CountMembers(ctx, t.tid)
	if err != nil {
		return interpretError("count owners", err, nil)
	}
	if count.Owners <= 1 {
		return tenantry.ErrLastOwner
	}
	return nil
}
