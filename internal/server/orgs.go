package server

import (
	"context"
	"errors"
	"log/slog"

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
func (s *server) inOrg(ctx context.Context, orgID string, write bool, fn func(tenantry.TenantAccess) error) error {
	c := tenantry.CallerFromContext(ctx)
	id, err := parsePathID(orgID)
	if err != nil {
		s.security(ctx, "org_not_found", slog.String("target_tenant_id", targetID(orgID)))
		return errOrgNotFound
	}
	if err := s.tokenReaches(ctx, c, id, write); err != nil {
		if errors.Is(err, tenantry.ErrNotMember) {
			s.metrics.crossTenant("api_token_tenant")
			s.denied(ctx, id, "api_token_tenant", map[string]any{"api_token_id": c.APIToken.ID.String()})
			return errOrgNotFound
		}
		return err
	}
	run := s.store.View
	if write {
		run = s.store.Update
	}
	err = run(ctx, c.UserID, id, func(tx tenantry.TenantAccess) error {
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
		if errors.Is(err, tenantry.ErrNotMember) {
			// Not for a personal tenant of the caller's own, named as an
			// organization: that one is theirs.
			s.denied(ctx, id, "org_not_member", nil)
		}
		return errOrgNotFound
	case errors.Is(err, tenantry.ErrTaskNotFound):
		s.security(ctx, "task_not_found", slog.String("target_tenant_id", id.String()))
	case tenantry.ErrorCode(err) == tenantry.EFORBIDDEN:
		s.security(ctx, "role_forbidden", slog.String("target_tenant_id", id.String()), slog.String("reason", tenantry.ErrorMessage(err)))
	}
	return err
}

// CreateOrgInput is the request of POST /api/orgs.
type CreateOrgInput struct {
	OrgIdempotencyKeyHeader
	Body OrgIn
}

// OrgOutput answers with an organization.
type OrgOutput struct {
	Body OrgOut
}

// createOrg creates an organization, once per idempotency key: the store
// claims the key in the caller's personal tenant in the transaction that
// creates the organization, so a replay makes neither it nor its owner's
// membership again.
func (s *server) createOrg(ctx context.Context, in *CreateOrgInput) (*OrgOutput, error) {
	c := tenantry.CallerFromContext(ctx)
	var (
		m   tenantry.OrgMembership
		err error
	)
	if in.IdempotencyKey == "" {
		m, err = s.store.CreateOrg(ctx, c.UserID, in.Body.Name)
	} else {
		var r tenantry.IdempotentRequest
		if r, err = idempotentRequest(c.UserID, "createOrg", in.IdempotencyKey, in.Body); err != nil {
			return nil, err
		}
		m, err = s.store.CreateOrgOnce(ctx, c.UserID, in.Body.Name, r)
	}
	if err != nil {
		return nil, err
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
		return nil, err
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
	err := s.inOrg(ctx, in.OrgID, false, func(tx tenantry.TenantAccess) error {
		t, err := tx.Tenant(ctx)
		out = orgOut(t, tx.Scope().Role)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &OrgOutput{Body: out}, nil
}
