package web

import (
	"errors"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

func (ui *UI) createOrg(q *req) {
	f := newForm()
	name := strings.TrimSpace(q.r.PostFormValue("name"))
	f.Values["name"] = name
	switch {
	case !utf8.ValidString(name):
		f.fail("name", "The name holds characters that cannot be saved.")
	case name == "":
		f.fail("name", "Give the organization a name.")
	case utf8.RuneCountInString(name) > 100:
		f.fail("name", "Keep the name to 100 characters or fewer.")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		f.fail("name", "The name must be one line of text.")
	}
	if !f.ok() {
		q.space = &space{tenantID: q.caller.UserID}
		ui.showTasks(q, http.StatusUnprocessableEntity, newForm(), f)
		return
	}
	m, err := ui.store.CreateOrg(q.r.Context(), q.caller.UserID, name)
	if err != nil {
		ui.fail(q, err)
		return
	}
	ui.redirect(q, "/orgs/"+m.Org.ID.String()+"/tasks", "org-created")
}

// membersPage is an organization's members, with the forms to manage
// them for owners and admins.
type membersPage struct {
	Org     tenantry.Tenant
	Role    tenantry.Role
	Self    uuid.UUID
	Members []tenantry.Member
	Manage  bool // owner or admin
	Owner   bool
	Form    *form
	Next    string // the next page of members, if any
	Paged   bool   // this is not the first page
	// Invitations are the pending ones, for owners and admins; NewToken is
	// the token of the invitation just made for NewEmail, shown this once.
	Invitations []tenantry.Invitation
	NewToken    string
	NewEmail    string
	InviteForm  *form
}

// memberPageSize is how many members one page shows.
const memberPageSize = 50

func (ui *UI) membersPage(q *req) { ui.showMembers(q, http.StatusOK, newForm()) }

func (ui *UI) showMembers(q *req, status int, f *form) {
	ui.showMembersPage(q, status, membersPage{Self: q.caller.UserID, Form: f})
}

// showMembersPage renders the members page from what p already holds (a
// form's errors, a new invitation's token).
func (ui *UI) showMembersPage(q *req, status int, p membersPage) {
	if p.Form == nil {
		p.Form = newForm()
	}
	if p.InviteForm == nil {
		p.InviteForm = newForm()
	}
	page := tenantry.Page{Limit: memberPageSize + 1}
	if a := q.r.URL.Query().Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			ui.notFound(q)
			return
		}
		page.After, p.Paged = &id, true
	}
	err := ui.view(q, func(tx tenantry.TenantAccess) error {
		var err error
		if p.Org, err = tx.Tenant(q.r.Context()); err != nil {
			return err
		}
		p.Role = tx.Scope().Role
		if p.Members, err = tx.Members(q.r.Context(), page); err != nil {
			return err
		}
		if p.Role.AtLeast(tenantry.RoleAdmin) {
			p.Invitations, err = tx.Invitations(q.r.Context(), tenantry.Page{Limit: tenantry.MaxPageSize})
		}
		return err
	})
	if err != nil {
		ui.fail(q, err)
		return
	}
	if len(p.Members) > memberPageSize {
		p.Members = p.Members[:memberPageSize]
		p.Next = ui.membersPath(q) + "?after=" + p.Members[memberPageSize-1].UserID.String()
	}
	p.Manage = tenantry.Need(tenantry.Scope{Role: p.Role}, tenantry.RoleAdmin, "") == nil
	p.Owner = p.Role == tenantry.RoleOwner
	notice := ""
	if status == http.StatusOK {
		notice = ui.takeFlash(q.w, q.r)
	}
	ui.render(q, status, "members", p.Org.Name+": members", p, notice)
}

func (ui *UI) membersPath(q *req) string { return "/orgs/" + q.space.tenantID.String() + "/members" }

// formRole reads a posted role.
func formRole(q *req) (tenantry.Role, bool) {
	r := tenantry.Role(q.r.PostFormValue("role"))
	return r, r.Valid()
}

func (ui *UI) addMember(q *req) {
	f := newForm()
	email := strings.TrimSpace(q.r.PostFormValue("email"))
	f.Values["email"], f.Values["role"] = email, q.r.PostFormValue("role")
	role, ok := formRole(q)
	if !ok {
		f.fail("role", "Choose a role.")
	}
	if email == "" || len(email) > 254 {
		f.fail("email", "Enter the email of the person's Tenantry account.")
	}
	if f.ok() {
		err := ui.update(q, func(tx tenantry.TenantAccess) error {
			if err := tenantry.MayAddMember(tx.Scope(), role); err != nil {
				return err
			}
			u, err := ui.store.UserByEmail(q.r.Context(), email)
			if err != nil {
				return err
			}
			if _, err = tx.AddMember(q.r.Context(), u.ID, role); err != nil {
				return err
			}
			return ui.audit(q, tx, tenantry.AuditMemberAdd, "user", u.ID.String(), map[string]any{"role": string(role)})
		})
		switch {
		case err == nil:
			ui.redirect(q, ui.membersPath(q), "member-added")
			return
		case errors.Is(err, tenantry.ErrUserNotFound):
			f.fail("email", "No account has this email. Ask the person to sign up first.")
		case errors.Is(err, tenantry.ErrAlreadyMember):
			f.fail("email", "This person is already a member.")
		default:
			ui.fail(q, err)
			return
		}
	}
	ui.showMembers(q, http.StatusUnprocessableEntity, f)
}

// memberID is the path's member id; one that is not a UUID names no member.
func memberID(q *req) (uuid.UUID, bool) {
	id, err := uuid.Parse(q.r.PathValue("user_id"))
	return id, err == nil && id.String() == q.r.PathValue("user_id")
}

func (ui *UI) setRole(q *req) {
	uid, ok := memberID(q)
	role, valid := formRole(q)
	if !valid {
		ui.errorPage(q, http.StatusUnprocessableEntity, "Choose a role", "Go back and choose owner, admin or member.")
		return
	}
	err := ui.update(q, func(tx tenantry.TenantAccess) error {
		if err := tenantry.Need(tx.Scope(), tenantry.RoleAdmin, tenantry.MsgManageMembers); err != nil {
			return err
		}
		if !ok {
			return tenantry.ErrMemberNotFound
		}
		if err := tenantry.MaySetRole(q.r.Context(), tx, uid, role); err != nil {
			return err
		}
		if _, err := tx.SetRole(q.r.Context(), uid, role); err != nil {
			return err
		}
		return ui.audit(q, tx, tenantry.AuditMemberRole, "user", uid.String(), map[string]any{"role": string(role)})
	})
	ui.memberChanged(q, err, ui.membersPath(q), "role-changed")
}

func (ui *UI) removeMember(q *req) {
	uid, ok := memberID(q)
	err := ui.update(q, func(tx tenantry.TenantAccess) error {
		if !ok {
			return tenantry.ErrMemberNotFound
		}
		if err := tenantry.MayRemoveMember(q.r.Context(), tx, uid); err != nil {
			return err
		}
		if err := tx.RemoveMember(q.r.Context(), uid); err != nil {
			return err
		}
		return ui.audit(q, tx, tenantry.AuditMemberRemove, "user", uid.String(), nil)
	})
	next := ui.membersPath(q)
	if ok && uid == q.caller.UserID {
		next = "/tasks"
	}
	ui.memberChanged(q, err, next, "member-gone")
}

func (ui *UI) leaveOrg(q *req) {
	err := ui.update(q, func(tx tenantry.TenantAccess) error {
		if err := tx.RemoveMember(q.r.Context(), q.caller.UserID); err != nil {
			return err
		}
		return ui.audit(q, tx, tenantry.AuditMemberRemove, "user", q.caller.UserID.String(), nil)
	})
	if errors.Is(err, tenantry.ErrLastOwner) {
		ui.redirect(q, ui.membersPath(q), "last-owner")
		return
	}
	ui.memberChanged(q, err, "/tasks", "left")
}

// memberChanged ends a change of membership: back to next with notice, or
// to the members page when the change would leave no owner.
func (ui *UI) memberChanged(q *req, err error, next, notice string) {
	switch {
	case err == nil:
		ui.redirect(q, next, notice)
	case errors.Is(err, tenantry.ErrLastOwner):
		ui.redirect(q, ui.membersPath(q), "last-owner")
	default:
		ui.fail(q, err)
	}
}
