package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// CreateInvitation stores an invitation by the scope's user.
func (t *tenantTx) CreateInvitation(ctx context.Context, in tenantry.NewInvitation) (tenantry.Invitation, error) {
	if !in.Role.Valid() {
		return tenantry.Invitation{}, errInvalidRole
	}
	p := sqlitedb.CreateInvitationParams{
		TenantID: t.tid, ID: idBytes(t.db.NewID()), Email: in.Email, Role: string(in.Role),
		TokenHash: in.TokenHash, InvitedBy: idBytes(t.scope.UserID),
		CreatedAt: micros(t.db.now()), ExpiresAt: micros(in.ExpiresAt),
	}
	if err := t.q.CreateInvitation(ctx, p); err != nil {
		return tenantry.Invitation{}, interpretError("create invitation", err, nil)
	}
	return toInvitation(sqlitedb.InvitationsRow{
		TenantID: p.TenantID, ID: p.ID, Email: p.Email, Role: p.Role, InvitedBy: p.InvitedBy,
		CreatedAt: p.CreatedAt, ExpiresAt: p.ExpiresAt,
	}), nil
}

// Invitations returns one page of the tenant's pending invitations in id
// order.
func (t *tenantTx) Invitations(ctx context.Context, p tenantry.Page) ([]tenantry.Invitation, error) {
	after := []byte{} // sorts before every id
	if p.After != nil {
		after = idBytes(*p.After)
	}
	rows, err := t.q.Invitations(ctx, sqlitedb.InvitationsParams{
		TenantID: t.tid, Now: micros(t.db.now()), After: after, Limit: int64(p.PageLimit()),
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
	n, err := t.q.RevokeInvitation(ctx, sqlitedb.RevokeInvitationParams{
		TenantID: t.tid, ID: idBytes(id), Now: sql.NullInt64{Int64: micros(t.db.now()), Valid: true},
	})
	if err != nil {
		return interpretError("revoke invitation", err, nil)
	} else if n == 0 {
		return tenantry.ErrInvitationNotFound
	}
	return nil
}

// AcceptInvitation checks the token, the email and the invitation's state
// and adds the membership, in one write transaction (the work PostgreSQL's
// accept_invitation() does).
func (db *DB) AcceptInvitation(ctx context.Context, userID, tenantID uuid.UUID, tokenHash []byte, src tenantry.AuditEntry) (tenantry.Member, error) {
	k := scopeKey{tenant: tenantID, user: userID}
	db.scopes.begin(nil, k)
	defer db.scopes.end(nil, k)
	var m tenantry.Member
	err := inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		now := db.now()
		u, err := q.UserByID(ctx, idBytes(userID))
		if err != nil {
			return interpretError("accept invitation: user", err, tenantry.ErrInvitationNotFound)
		}
		inv, err := q.InvitationByToken(ctx, sqlitedb.InvitationByTokenParams{TenantID: idBytes(tenantID), TokenHash: tokenHash})
		if err != nil {
			return interpretError("accept invitation", err, tenantry.ErrInvitationNotFound)
		}
		accepted := inv.AcceptedAt.Valid
		if inv.Email != u.Email || inv.RevokedAt.Valid ||
			(accepted && !bytes.Equal(inv.AcceptedBy, idBytes(userID))) ||
			(!accepted && inv.ExpiresAt <= micros(now)) {
			return tenantry.ErrInvitationNotFound
		}
		if !accepted {
			_, err := q.MembershipScope(ctx, sqlitedb.MembershipScopeParams{TenantID: idBytes(tenantID), UserID: idBytes(userID)})
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if err := q.AddMember(ctx, sqlitedb.AddMemberParams{
					TenantID: idBytes(tenantID), UserID: idBytes(userID), Role: inv.Role, CreatedAt: micros(now),
				}); err != nil {
					return interpretError("accept invitation: add member", err, nil)
				}
			case err != nil:
				return interpretError("accept invitation: membership", err, nil)
			}
			if err := q.MarkInvitationAccepted(ctx, sqlitedb.MarkInvitationAcceptedParams{
				AcceptedBy: idBytes(userID), Now: sql.NullInt64{Int64: micros(now), Valid: true},
				TenantID: idBytes(tenantID), ID: inv.ID,
			}); err != nil {
				return interpretError("accept invitation: mark", err, nil)
			}
		}
		r, err := q.Member(ctx, sqlitedb.MemberParams{TenantID: idBytes(tenantID), UserID: idBytes(userID)})
		if err != nil {
			// Accepted once, and removed since: the invitation is used up.
			return interpretError("accept invitation: member", err, tenantry.ErrInvitationNotFound)
		}
		m = toMember(r)
		if accepted || !m.CreatedAt.Equal(now) {
			return nil // accepted before, or a member already: nothing new
		}
		t := &tenantTx{db: db, q: q, tid: idBytes(tenantID), scope: tenantry.Scope{UserID: userID, TenantID: tenantID}}
		return t.Audit(ctx, acceptEntry(inv.ID, m, src))
	})
	return m, err
}

// acceptEntry is the audit entry of an accepted invitation.
func acceptEntry(invitationID []byte, m tenantry.Member, src tenantry.AuditEntry) tenantry.AuditEntry {
	return tenantry.AuditEntry{
		Action: tenantry.AuditInvitationAccept, TargetType: "invitation", TargetID: fromBytes(invitationID).String(),
		IP: src.IP, RequestID: src.RequestID, Details: map[string]any{"role": string(m.Role)},
	}
}

func toInvitation(r sqlitedb.InvitationsRow) tenantry.Invitation {
	return tenantry.Invitation{
		TenantID: fromBytes(r.TenantID), ID: fromBytes(r.ID), Email: r.Email, Role: tenantry.Role(r.Role),
		InvitedBy: fromBytes(r.InvitedBy), CreatedAt: fromMicros(r.CreatedAt), ExpiresAt: fromMicros(r.ExpiresAt),
	}
}
