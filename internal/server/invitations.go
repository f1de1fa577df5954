package server

import (
	"context"
	"crypto/rand"
	"log/slog"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// Invitations. Creating one never looks the email up, so the answer is the
// same whether or not it has an account. The token is shown once, in the
// create answer, and is stored only as a hash.

// InvitationIn invites an email with a role.
type InvitationIn struct {
	Email string `json:"email" maxLength:"254" doc:"The invitee's email; it need not have an account yet."`
	Role  string `json:"role" enum:"owner,admin,member" doc:"Only owners may invite owners."`
}

// Resolve requires a bare address, as everywhere else.
func (b *InvitationIn) Resolve(huma.Context, *huma.PathBuffer) []error {
	return resolveEmail(&b.Email, "body.email")
}

// InvitationOut is a pending invitation, without its token.
type InvitationOut struct {
	ID        uuid.UUID `json:"id" format:"uuid"`
	Email     string    `json:"email"`
	Role      string    `json:"role" enum:"owner,admin,member"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// InvitationCreatedOut is a new invitation with its token, shown this once:
// a replay of its Idempotency-Key answers the same invitation with a null
// token.
type InvitationCreatedOut struct {
	InvitationOut
	Token *string `json:"token" nullable:"true" doc:"The one copy of the token: give it to the invitee, who accepts with POST /auth/invitations/accept. null when the answer is a replay of an Idempotency-Key: the token is shown in the first answer only and never stored; whoever lost it revokes the invitation and invites again."`
}

func invitationOut(inv tenantry.Invitation) InvitationOut {
	return InvitationOut{ID: inv.ID, Email: inv.Email, Role: string(inv.Role), CreatedAt: inv.CreatedAt.UTC(), ExpiresAt: inv.ExpiresAt.UTC()}
}

// CreateInvitationInput is the request of POST /api/orgs/{org_id}/invitations.
type CreateInvitationInput struct {
	OrgPath
	InvitationIdempotencyKeyHeader
	Body InvitationIn
}

// InvitationCreatedOutput answers with the new invitation and its token.
type InvitationCreatedOutput struct {
	CacheControl string `header:"Cache-Control" doc:"Always no-store: the answer carries a secret."`
	Body         InvitationCreatedOut
}

// createInvitation stores an invitation and its audit entry, once per
// idempotency key. The answer kept for the key is the invitation without
// its token, which exists only in this request (the store keeps its hash):
// a replay answers the same invitation with a null token, and calls no
// notifier.
func (s *server) createInvitation(ctx context.Context, in *CreateInvitationInput) (*InvitationCreatedOutput, error) {
	if err := checkIdempotencyKey(in.IdempotencyKey); err != nil {
		return nil, err
	}
	role := tenantry.Role(in.Body.Role)
	var (
		inv   tenantry.Invitation
		org   tenantry.Tenant
		token string // empty for a replay
	)
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantAccess) error {
		if err := tenantry.MayAddMember(tx.Scope(), role); err != nil {
			return err
		}
		token = "" // fn may run again, and a replay has none
		return idempotent(ctx, tx, "createInvitation", in.IdempotencyKey, in.Body, &inv, func() error {
			var hash []byte
			var err error
			if token, hash, err = tenantry.NewInvitationToken(tx.Scope().TenantID, rand.Reader); err != nil {
				return err
			}
			if org, err = tx.Tenant(ctx); err != nil {
				return err
			}
			inv, err = tx.CreateInvitation(ctx, tenantry.NewInvitation{
				Email: in.Body.Email, Role: role, TokenHash: hash, ExpiresAt: s.now().Add(s.inviteTTL),
			})
			if err != nil {
				return err
			}
			return audit(ctx, tx, tenantry.AuditInvitationCreate, "invitation", inv.ID.String(),
				map[string]any{"email": inv.Email, "role": string(inv.Role)})
		})
	})
	if err != nil {
		return nil, err
	}
	if s.notifier != nil && token != "" {
		if err := s.notifier.Invited(ctx, org, inv, token); err != nil {
			s.log.ErrorContext(ctx, "invitation notifier", slog.String("invitation_id", inv.ID.String()), slog.Any("error", err))
		}
	}
	out := &InvitationCreatedOutput{CacheControl: "no-store", Body: InvitationCreatedOut{InvitationOut: invitationOut(inv)}}
	if token != "" {
		out.Body.Token = &token
	}
	return out, nil
}

// ListInvitationsInput is the request of GET /api/orgs/{org_id}/invitations.
type ListInvitationsInput struct {
	OrgPath
	PageQuery
}

// InvitationListOutput answers with a page of pending invitations.
type InvitationListOutput struct {
	Link string `header:"Link" doc:"<...>; rel=\"next\" when the page is full."`
	Body []InvitationOut
}

func (s *server) listInvitations(ctx context.Context, in *ListInvitationsInput) (*InvitationListOutput, error) {
	p := in.page()
	var invs []tenantry.Invitation
	err := s.inOrg(ctx, in.OrgID, false, func(tx tenantry.TenantAccess) (err error) {
		if err := tenantry.Need(tx.Scope(), tenantry.RoleAdmin, tenantry.MsgManageMembers); err != nil {
			return err
		}
		invs, err = tx.Invitations(ctx, p)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := &InvitationListOutput{Body: make([]InvitationOut, 0, len(invs))}
	for _, inv := range invs {
		out.Body = append(out.Body, invitationOut(inv))
	}
	if len(invs) > 0 {
		last := invs[len(invs)-1]
		out.Link = nextLink("/api/orgs/"+last.TenantID.String()+"/invitations", nil, p.Limit, last.ID, len(invs))
	}
	return out, nil
}

// RevokeInvitationInput is the request of DELETE
// /api/orgs/{org_id}/invitations/{invitation_id}.
type RevokeInvitationInput struct {
	OrgPath
	InvitationID string `path:"invitation_id" doc:"An invitation id (UUID). Unknown, foreign, used and malformed ids are the same 404."`
}

func (s *server) revokeInvitation(ctx context.Context, in *RevokeInvitationInput) (*NoContentOutput, error) {
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantAccess) error {
		if err := tenantry.Need(tx.Scope(), tenantry.RoleAdmin, tenantry.MsgManageMembers); err != nil {
			return err
		}
		id, err := parsePathID(in.InvitationID)
		if err != nil {
			return tenantry.ErrInvitationNotFound
		}
		if err := tx.RevokeInvitation(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, tenantry.AuditInvitationRevoke, "invitation", id.String(), nil)
	})
	if err != nil {
		return nil, err
	}
	return &NoContentOutput{}, nil
}

// AcceptInvitationIn carries the token the inviter handed over.
type AcceptInvitationIn struct {
	Token string `json:"token" minLength:"1" maxLength:"200" doc:"The token from the invitation's create answer."`
}

// AcceptInvitationInput is the request of POST /auth/invitations/accept.
type AcceptInvitationInput struct {
	Body AcceptInvitationIn
}

// AcceptedOut names the organization joined and the role held there.
type AcceptedOut struct {
	OrgID uuid.UUID `json:"org_id" format:"uuid"`
	Role  string    `json:"role" enum:"owner,admin,member"`
}

// AcceptedOutput answers an accepted invitation.
type AcceptedOutput struct {
	Body AcceptedOut
}

func (s *server) acceptInvitation(ctx context.Context, in *AcceptInvitationInput) (*AcceptedOutput, error) {
	c := tenantry.CallerFromContext(ctx)
	tenantID, hash, ok := tenantry.ParseInvitationToken(in.Body.Token)
	if !ok {
		s.security(ctx, "invitation_not_found")
		return nil, tenantry.ErrInvitationNotFound
	}
	m, err := s.store.AcceptInvitation(ctx, c.UserID, tenantID, hash, auditSource(ctx))
	if err != nil {
		if tenantry.ErrorCode(err) == tenantry.ENOTFOUND {
			s.security(ctx, "invitation_not_found", slog.String("target_tenant_id", tenantID.String()))
		}
		return nil, err
	}
	return &AcceptedOutput{Body: AcceptedOut{OrgID: m.TenantID, Role: string(m.Role)}}, nil
}
