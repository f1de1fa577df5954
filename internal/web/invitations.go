package web

import (
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// invite makes an invitation and shows its token on the members page, this
// once: the answer is not a redirect, since the notice cookie never holds
// text, and it is not stored by any cache.
func (ui *UI) invite(q *req) {
	f := newForm()
	email := strings.ToLower(strings.TrimSpace(q.r.PostFormValue("email")))
	f.Values["email"], f.Values["role"] = email, q.r.PostFormValue("role")
	role, ok := formRole(q)
	if !ok {
		f.fail("role", "Choose a role.")
	}
	if email == "" || len(email) > 254 || !strings.Contains(email, "@") || strings.ContainsAny(email, " <>()\t\r\n") {
		f.fail("email", "Enter an email address.")
	}
	if !f.ok() {
		ui.showMembersPage(q, http.StatusUnprocessableEntity, membersPage{Self: q.caller.UserID, InviteForm: f})
		return
	}
	var token string
	err := ui.update(q, func(tx tenantry.TenantAccess) error {
		if err := tenantry.MayAddMember(tx.Scope(), role); err != nil {
			return err
		}
		tok, hash, err := tenantry.NewInvitationToken(tx.Scope().TenantID, rand.Reader)
		if err != nil {
			return err
		}
		inv, err := tx.CreateInvitation(q.r.Context(), tenantry.NewInvitation{
			Email: email, Role: role, TokenHash: hash, ExpiresAt: ui.now().Add(ui.inviteTTL),
		})
		if err != nil {
			return err
		}
		token = tok
		return ui.audit(q, tx, tenantry.AuditInvitationCreate, "invitation", inv.ID.String(),
			map[string]any{"email": inv.Email, "role": string(inv.Role)})
	})
	if err != nil {
		ui.fail(q, err)
		return
	}
	q.w.Header().Set("Cache-Control", "no-store")
	ui.showMembersPage(q, http.StatusOK, membersPage{Self: q.caller.UserID, NewToken: token, NewEmail: email})
}

func (ui *UI) revokeInvitation(q *req) {
	id, err := uuid.Parse(q.r.PathValue("invitation_id"))
	err2 := ui.update(q, func(tx tenantry.TenantAccess) error {
		if err := tenantry.Need(tx.Scope(), tenantry.RoleAdmin, tenantry.MsgManageMembers); err != nil {
			return err
		}
		if err != nil {
			return tenantry.ErrInvitationNotFound
		}
		if err := tx.RevokeInvitation(q.r.Context(), id); err != nil {
			return err
		}
		return ui.audit(q, tx, tenantry.AuditInvitationRevoke, "invitation", id.String(), nil)
	})
	if err2 != nil {
		ui.fail(q, err2)
		return
	}
	ui.redirect(q, ui.membersPath(q), "invite-revoked")
}

func (ui *UI) acceptPage(q *req) {
	ui.render(q, http.StatusOK, "accept", "Accept an invitation", newForm(), "")
}

// acceptInvitation joins the organization the token names. Every refusal
// is the same form error, as the API's is the same 404.
func (ui *UI) acceptInvitation(q *req) {
	f := newForm()
	token := strings.TrimSpace(q.r.PostFormValue("token"))
	tenantID, hash, ok := tenantry.ParseInvitationToken(token)
	if ok {
		m, err := ui.store.AcceptInvitation(q.r.Context(), q.caller.UserID, tenantID, hash, ui.accounts.AuditSource(q.r))
		switch {
		case err == nil:
			ui.redirect(q, "/orgs/"+m.TenantID.String()+"/tasks", "joined")
			return
		case tenantry.ErrorCode(err) != tenantry.ENOTFOUND:
			ui.fail(q, err)
			return
		}
	}
	f.fail("token", "Invitation not found: it may have expired, been revoked or used, or be meant for another email.")
	ui.render(q, http.StatusNotFound, "accept", "Accept an invitation", f, "")
}
