package server

import (
	"context"
	"errors"
	"log/slog"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// Organizations: a caller who is not a member gets 404 for the organization
// and everything under it, the same as for one that does not exist; a member
// without the role gets 403.

var errOrgNotFound = &tenantry.Error{Code: tenantry.ENOTFOUND, Message: tenantry.MsgOrgNotFound}

// OrgPath is the {org_id} of an organization route.
type OrgPath struct {
	OrgID string `path:"org_id" doc:"An organization id (UUID). Unknown, malformed and not-yours are the same 404."`
}

// inOrg runs fn in the organization orgID after the store has checked that
// the caller is a member of it.
func (s *server) inOrg(ctx context.Context, orgID string, write bool, fn func(tenantry.TenantTx) error) error {
	c := tenantry.CallerFromContext(ctx)
	id, err := parsePathID(orgID)
	if err != nil {
		s.security(ctx, "org_not_found", slog.String("target_tenant_id", targetID(orgID)))
		return s.fail(ctx, errOrgNotFound)
	}
	run := s.store.View
	if write {
		run = s.store.Update
	}
	err = run(ctx, c.UserID, id, func(tx tenantry.TenantTx) error {
		// A personal tenant is not an organization, even one's own. Writes
		// check before they touch anything; reads check after their first
		// statement, which on PostgreSQL carries the membership check in
		// the same round trip (asking first would cost one of its own).
		if write && tx.Scope().Kind != tenantry.KindOrg {
			return errOrgNotFound
		}
		err := fn(tx)
		if tx.Scope().Kind != tenantry.KindOrg {
			return errOrgNotFound
		}
		return err
	})
	switch {
	case errors.Is(err, tenantry.ErrNotMember) || errors.Is(err, errOrgNotFound):
		s.security(ctx, "org_not_member", slog.String("target_tenant_id", id.String()))
		s.metrics.crossTenant("org_not_member")
		return s.fail(ctx, errOrgNotFound)
	case errors.Is(err, tenantry.ErrTaskNotFound):
		s.security(ctx, "task_not_found", slog.String("target_tenant_id", id.String()))
	case tenantry.ErrorCode(err) == tenantry.EFORBIDDEN:
		s.security(ctx, "role_forbidden", slog.String("target_tenant_id", id.String()), slog.String("reason", tenantry.ErrorMessage(err)))
	}
	if err != nil {
		return s.fail(ctx, err)
	}
	return nil
}

// CreateOrgInput is the request of POST /api/orgs.
type CreateOrgInput struct {
	Body OrgIn
}

// OrgOutput answers with an organization.
type OrgOutput struct {
	Body OrgOut
}

func (s *server) createOrg(ctx context.Context, in *CreateOrgInput) (*OrgOutput, error) {
	m, err := s.store.CreateOrg(ctx, tenantry.CallerFromContext(ctx).UserID, in.Body.Name)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return &OrgOutput{Body: orgOut(m.Org, m.Role)}, nil
}

// ListOrgsInput is the request of GET /api/orgs.
type ListOrgsInput struct {
	PageQuery
}

// OrgListOutput answers with a page of the caller's organizations.
type OrgListOutput struct {
	Link string `header:"Link" doc:"<...>; rel=\"next\" when the page is full."`
	Body []OrgOut
}

func (s *server) listOrgs(ctx context.Context, in *ListOrgsInput) (*OrgListOutput, error) {
	p := in.page()
	ms, err := s.store.UserOrgs(ctx, tenantry.CallerFromContext(ctx).UserID, p)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := &OrgListOutput{Body: make([]OrgOut, 0, len(ms))}
	for _, m := range ms {
		out.Body = append(out.Body, orgOut(m.Org, m.Role))
	}
	if len(ms) > 0 {
		out.Link = nextLink("/api/orgs", nil, p.Limit, ms[len(ms)-1].Org.ID, len(ms))
	}
	return out, nil
}

// OrgInput names one organization.
type OrgInput struct {
	OrgPath
}

func (s *server) getOrg(ctx context.Context, in *OrgInput) (*OrgOutput, error) {
	var out OrgOut
	err := s.inOrg(ctx, in.OrgID, false, func(tx tenantry.TenantTx) error {
		t, err := tx.Tenant(ctx)
		out = orgOut(t, tx.Scope().Role)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &OrgOutput{Body: out}, nil
}

// ListMembersInput is the request of GET /api/orgs/{org_id}/members.
type ListMembersInput struct {
	OrgPath
	PageQuery
}

// MemberListOutput answers with a page of an organization's members.
type MemberListOutput struct {
	Link string `header:"Link" doc:"<...>; rel=\"next\" when the page is full."`
	Body []MemberOut
}

func (s *server) listMembers(ctx context.Context, in *ListMembersInput) (*MemberListOutput, error) {
	p := in.page()
	var ms []tenantry.Member
	err := s.inOrg(ctx, in.OrgID, false, func(tx tenantry.TenantTx) (err error) {
		ms, err = tx.Members(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &MemberListOutput{Body: make([]MemberOut, 0, len(ms))}
	for _, m := range ms {
		out.Body = append(out.Body, memberOut(m))
	}
	if len(ms) > 0 {
		last := ms[len(ms)-1]
		out.Link = nextLink("/api/orgs/"+last.TenantID.String()+"/members", nil, p.Limit, last.UserID, len(ms))
	}
	return out, nil
}

// AddMemberInput is the request of POST /api/orgs/{org_id}/members.
type AddMemberInput struct {
	OrgPath
	Body MemberIn
}

// MemberOutput answers with a member.
type MemberOutput struct {
	Body MemberOut
}

func (s *server) addMember(ctx context.Context, in *AddMemberInput) (*MemberOutput, error) {
	role := tenantry.Role(in.Body.Role)
	if in.Body.UserID != nil {
		ctx = withTargetUser(ctx, *in.Body.UserID)
	}
	var m tenantry.Member
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantTx) error {
		if err := tenantry.MayAddMember(tx.Scope(), role); err != nil {
			return err
		}
		uid := in.Body.UserID
		if uid == nil {
			u, err := s.store.UserByEmail(ctx, in.Body.Email)
			if err != nil {
				return err
			}
			uid = &u.ID
		}
		var err error
		m, err = tx.AddMember(ctx, *uid, role)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &MemberOutput{Body: memberOut(m)}, nil
}

// MemberPath is the {user_id} of a member route.
type MemberPath struct {
	UserID string `path:"user_id" doc:"A member's user id (UUID)."`
}

func parseMemberID(s string) (uuid.UUID, error) {
	id, err := parsePathID(s)
	if err != nil {
		return uuid.Nil, tenantry.ErrMemberNotFound
	}
	return id, nil
}

// SetRoleInput is the request of PATCH /api/orgs/{org_id}/members/{user_id}.
type SetRoleInput struct {
	OrgPath
	MemberPath
	Body RoleIn
}

func (s *server) setRole(ctx context.Context, in *SetRoleInput) (*MemberOutput, error) {
	role := tenantry.Role(in.Body.Role)
	var m tenantry.Member
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantTx) error {
		if err := tenantry.Need(tx.Scope(), tenantry.RoleAdmin, tenantry.MsgManageMembers); err != nil {
			return err
		}
		uid, err := parseMemberID(in.UserID)
		if err != nil {
			return err
		}
		if err := tenantry.MaySetRole(ctx, tx, uid, role); err != nil {
			return err
		}
		m, err = tx.SetRole(ctx, uid, role)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &MemberOutput{Body: memberOut(m)}, nil
}

// MemberInput names one member.
type MemberInput struct {
	OrgPath
	MemberPath
}

func (s *server) removeMember(ctx context.Context, in *MemberInput) (*NoContentOutput, error) {
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantTx) error {
		uid, err := parseMemberID(in.UserID)
		if err != nil {
			return err
		}
		if err := tenantry.MayRemoveMember(ctx, tx, uid); err != nil {
			return err
		}
		return tx.RemoveMember(ctx, uid)
	})
	if err != nil {
		return nil, err
	}
	return &NoContentOutput{}, nil
}

// Organization tasks.

// CreateOrgTaskInput is the request of POST /api/orgs/{org_id}/tasks.
type CreateOrgTaskInput struct {
	OrgPath
	Body OrgTaskIn
}

// OrgTaskOutput answers with an organization's task.
type OrgTaskOutput struct {
	Body OrgTaskOut
}

func (s *server) createOrgTask(ctx context.Context, in *CreateOrgTaskInput) (*OrgTaskOutput, error) {
	t, err := s.orgTasks(in.OrgID).create(ctx, in.Body.newTask())
	if err != nil {
		return nil, err
	}
	return &OrgTaskOutput{Body: orgTaskOut(t)}, nil
}

// ListOrgTasksInput is the request of GET /api/orgs/{org_id}/tasks.
type ListOrgTasksInput struct {
	OrgPath
	ListQuery
}

// OrgTaskListOutput answers with a page of an organization's tasks.
type OrgTaskListOutput struct {
	Link string `header:"Link" doc:"<...>; rel=\"next\" when the page is full."`
	Body []OrgTaskOut
}

func (s *server) listOrgTasks(ctx context.Context, in *ListOrgTasksInput) (*OrgTaskListOutput, error) {
	// The Link names the organization canonically, never as the client spelled it.
	body, link, err := taskPage(ctx, s.orgTasks(in.OrgID), "/api/orgs/"+targetID(in.OrgID)+"/tasks", in.ListQuery, orgTaskOut)
	if err != nil {
		return nil, err
	}
	return &OrgTaskListOutput{Link: link, Body: body}, nil
}

// OrgTaskInput names one organization task.
type OrgTaskInput struct {
	OrgPath
	TaskPath
}

func (s *server) getOrgTask(ctx context.Context, in *OrgTaskInput) (*OrgTaskOutput, error) {
	t, err := s.orgTasks(in.OrgID).get(ctx, in.TaskID)
	if err != nil {
		return nil, err
	}
	return &OrgTaskOutput{Body: orgTaskOut(t)}, nil
}

// ReplaceOrgTaskInput is the request of PUT /api/orgs/{org_id}/tasks/{task_id}.
type ReplaceOrgTaskInput struct {
	OrgPath
	TaskPath
	Body OrgTaskIn
}

func (s *server) replaceOrgTask(ctx context.Context, in *ReplaceOrgTaskInput) (*OrgTaskOutput, error) {
	t, err := s.orgTasks(in.OrgID).replace(ctx, in.TaskID, in.Body.newTask())
	if err != nil {
		return nil, err
	}
	return &OrgTaskOutput{Body: orgTaskOut(t)}, nil
}

// PatchOrgTaskInput is the request of PATCH /api/orgs/{org_id}/tasks/{task_id}.
type PatchOrgTaskInput struct {
	OrgPath
	TaskPath
	Body OrgTaskPatchIn
}

func (s *server) patchOrgTask(ctx context.Context, in *PatchOrgTaskInput) (*OrgTaskOutput, error) {
	t, err := s.orgTasks(in.OrgID).patch(ctx, in.TaskID, in.Body.patch())
	if err != nil {
		return nil, err
	}
	return &OrgTaskOutput{Body: orgTaskOut(t)}, nil
}

func (s *server) deleteOrgTask(ctx context.Context, in *OrgTaskInput) (*NoContentOutput, error) {
	if err := s.orgTasks(in.OrgID).delete(ctx, in.TaskID); err != nil {
		return nil, err
	}
	return &NoContentOutput{}, nil
}

// DeleteOrgTasksInput is the request of DELETE /api/orgs/{org_id}/tasks.
type DeleteOrgTasksInput struct {
	OrgPath
	CompletedQuery
}

func (s *server) deleteOrgTasks(ctx context.Context, in *DeleteOrgTasksInput) (*DeletedOutput, error) {
	var n int64
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantTx) (err error) {
		if err := tenantry.MayBulkDelete(tx.Scope()); err != nil {
			return err
		}
		n, err = tx.DeleteTasks(ctx, parseCompleted(in.Completed))
		return err
	})
	if err != nil {
		return nil, err
	}
	return &DeletedOutput{Body: DeletedOut{DeletedCount: n}}, nil
}
