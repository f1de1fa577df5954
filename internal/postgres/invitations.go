package postgres

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// CreateInvitation stores an invitation by the scope's user.
func (t *tenantTx) CreateInvitation(ctx context.Context, in tenantry.NewInvitation) (tenantry.Invitation, error) {
	if !in.Role.Valid() {
		return tenantry.Invitation{}, errInvalidRole
	}
	r, err := t.q.CreateInvitation(ctx, pgdb.CreateInvitationParams{
		TenantID: t.scope.TenantID, ID: t.db.NewID(), Email: in.Email, Role: string(in.Role),
		TokenHash: in.TokenHash, InvitedBy: t.scope.UserID, CreatedAt: t.db.now(), ExpiresAt: in.ExpiresAt,
	})
	if err != nil {
		return tenantry.Invitation{}, interpretError("create invitation", err, nil)
	}
	return toInvitation(pgdb.InvitationsRow(r)), nil
}

// Invitations returns one page of the tenant's pending invitations in id
// order.
func (t *tenantTx) Invitations(ctx context.Context, p tenantry.Page) ([]tenantry.Invitation, error) {
	var after uuid.UUID // the nil UUID sorts before every id
	if p.After != nil {
		after = *p.After
	}
	rows, err := t.q.Invitations(ctx, pgdb.InvitationsParams{
		TenantID: t.scope.TenantID, Now: t.db.now(), After: after, Lim: int32(p.PageLimit()),
	})
	if err != nil {
		return nil, interpretError("invitations", err, nil)
	}
	invs := make([]tenantry.Invitation, len(rows))
	for i, r := range rows {
		invs[i] = toInvitation(r)
	}
	return invs, nil
}

// RevokeInvitation ends a pending invitation. ErrInvitationNotFound.
func (t *tenantTx) RevokeInvitation(ctx context.Context, id uuid.UUID) error {
	n, err := t.q.RevokeInvitation(ctx, pgdb.RevokeInvitationParams{TenantID: t.scope.TenantID, ID: id, Now: t.db.now()})
	if err != nil {
		return interpretError("revoke invitation", err, nil)
	} else if n == 0 {
		return tenantry.ErrInvitationNotFound
	}
	return nil
}

// AcceptInvitation runs accept_invitation(), which checks the token, the
// email and the invitation's state and adds the membership, then reads the
// membership in the tenant's context the function left.
func (db *DB) AcceptInvitation(ctx context.Context, userID, tenantID uuid.UUID, tokenHash []byte, src tenantry.AuditEntry) (tenantry.Member, error) {
	var m tenantry.Member
	err := db.tx(ctx, readWrite, func(tx pgx.Tx) error {
		now := db.now()
		if _, err := tx.Exec(ctx, `SELECT accept_invitation($1, $2, $3, $4)`, userID, tenantID, tokenHash, now); err != nil {
			return interpretError("accept invitation", err, tenantry.ErrInvitationNotFound)
		}
		r, err := db.queries(tx).Member(ctx, pgdb.MemberParams{TenantID: tenantID, UserID: userID})
		if err != nil {
			return interpretError("accept invitation: member", err, nil)
		}
		m = toMember(r)
		if !m.CreatedAt.Equal(now) {
			return nil // a member already, or accepted before: nothing new
		}
		var invID uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT id FROM invitations WHERE tenant_id = $1 AND token_hash = $2`,
			tenantID, tokenHash).Scan(&invID); err != nil {
			return interpretError("accept invitation: id", err, nil)
		}
		t := &tenantTx{db: db, q: db.queries(tx), scope: tenantry.Scope{UserID: userID, TenantID: tenantID}}
		return t.Audit(ctx, tenantry.AuditEntry{
			Action: tenantry.AuditInvitationAccept, TargetType: "invitation", TargetID: invID.String(),
			IP: src.IP, RequestID: src.RequestID, Details: map[string]any{"role": string(m.Role)},
		})
	})
	// The membership may be new: a View may have remembered its absence.
	db.scopes.drop(scopeKey{tenant: tenantID, user: userID})
	return m, err
}

func toInvitation(r pgdb.InvitationsRow) tenantry.Invitation {
	return tenantry.Invitation{
		TenantID: r.TenantID, ID: r.ID, Email: r.Email, Role: tenantry.Role(r.Role), InvitedBy: r.InvitedBy,
		CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(),
	}
}
