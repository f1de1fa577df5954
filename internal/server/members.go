package server

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

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
	err := s.inOrg(ctx, in.OrgID, false, func(tx tenantry.TenantAccess) (err error) {
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
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantAccess) error {
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
		if m, err = tx.AddMember(ctx, *uid, role); err != nil {
			return err
		}
		return audit(ctx, tx, tenantry.AuditMemberAdd, "user", uid.String(), map[string]any{"role": string(role)})
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
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantAccess) error {
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
		if m, err = tx.SetRole(ctx, uid, role); err != nil {
			return err
		}
		return audit(ctx, tx, tenantry.AuditMemberRole, "user", uid.String(), map[string]any{"role": string(role)})
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
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantAccess) error {
		uid, err := parseMemberID(in.UserID)
		if err != nil {
			return err
		}
		if err := tenantry.MayRemoveMember(ctx, tx, uid); err != nil {
			return err
		}
		if err := tx.RemoveMember(ctx, uid); err != nil {
			return err
		}
		return audit(ctx, tx, tenantry.AuditMemberRemove, "user", uid.String(), nil)
	})
	if err != nil {
		return nil, err
	}
	return &NoContentOutput{}, nil
}
