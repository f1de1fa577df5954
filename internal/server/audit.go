package server

import (
	"context"
	"net/url"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// audit records action on the target in the tenant's audit log, in tx's
// change, with the request's client address and id: the change is kept
// with its entry or not at all. details name fields and counts, never a
// secret nor a task's text beyond its title.
func audit(ctx context.Context, tx tenantry.TenantAccess, action, targetType, targetID string, details map[string]any) error {
	e := auditSource(ctx)
	e.Action, e.TargetType, e.TargetID, e.Details = action, targetType, targetID, details
	return tx.Audit(ctx, e)
}

// auditSource is an entry with the request's client address and id only.
func auditSource(ctx context.Context) tenantry.AuditEntry {
	e := tenantry.AuditEntry{RequestID: requestID(ctx)}
	if ri, ok := requestInfo(ctx); ok && ri.client.IsValid() {
		e.IP = ri.client.String()
	}
	return e
}

// accountEntry is an entry of userID's own log (their personal tenant) for
// a change to their account: the user is its actor and its target.
func accountEntry(ctx context.Context, userID uuid.UUID, action string, details map[string]any) *tenantry.AuditEntry {
	e := auditSource(ctx)
	e.Action, e.ActorUserID, e.TargetType, e.TargetID, e.Details = action, userID, "user", userID.String(), details
	return &e
}

// signInDetails describe a sign-in: by "token" (an access token) or
// "session" (a cookie), and whether a two-factor code was given.
func signInDetails(method string, twoFactor bool) map[string]any {
	return map[string]any{"method": method, "two_factor": twoFactor}
}

// patchedFields names the fields a patch sets, for a task.update entry.
func patchedFields(p tenantry.TaskPatch) []string {
	var fs []string
	if p.Title != nil {
		fs = append(fs, "title")
	}
	if p.SetDescription {
		fs = append(fs, "description")
	}
	if p.Completed != nil {
		fs = append(fs, "completed")
	}
	if p.SetAssignee {
		fs = append(fs, "assigned_user_id")
	}
	return fs
}

// AuditQuery selects one page of audit entries, newest first.
type AuditQuery struct {
	PageQuery
	Action string    `query:"action" maxLength:"64" pattern:"^[a-z_]+\\.[a-z_]+$" doc:"Only entries of this action: task.create, task.update, task.delete, task.bulk_delete, member.add, member.role, member.remove, invitation.create, invitation.accept, invitation.revoke, auth.login, auth.login_failed, auth.password, auth.logout, auth.logout_all, token.create, token.revoke or access.denied."`
	Since  time.Time `query:"since" doc:"Only entries at or after this time (RFC 3339)."`
	Until  time.Time `query:"until" doc:"Only entries before this time (RFC 3339)."`
}

// Resolve refuses an empty or repeated parameter, as ListQuery does.
func (q *AuditQuery) Resolve(ctx huma.Context) []error {
	return emptyQuery(ctx, "after", "limit", "action", "since", "until")
}

func (q AuditQuery) filter() tenantry.AuditFilter {
	f := tenantry.AuditFilter{Action: q.Action, Page: q.page()}
	if !q.Since.IsZero() {
		f.Since = &q.Since
	}
	if !q.Until.IsZero() {
		f.Until = &q.Until
	}
	return f
}

// link is the Link header of a page of entries read from path with f.
func (q AuditQuery) link(path string, f tenantry.AuditFilter, es []tenantry.AuditEntry) string {
	if len(es) == 0 {
		return ""
	}
	v := url.Values{}
	if q.Action != "" {
		v.Set("action", q.Action)
	}
	if f.Since != nil {
		v.Set("since", f.Since.Format(time.RFC3339Nano))
	}
	if f.Until != nil {
		v.Set("until", f.Until.Format(time.RFC3339Nano))
	}
	return nextLink(path, v, f.Limit, es[len(es)-1].ID, len(es))
}

// AuditEntryOut is one audit entry.
type AuditEntryOut struct {
	ID          uuid.UUID      `json:"id"`
	At          time.Time      `json:"at"`
	ActorUserID uuid.UUID      `json:"actor_user_id" doc:"Who did it; for auth.login_failed, the account whose password or code was wrong (the caller is not known)."`
	ActorEmail  *string        `json:"actor_email" nullable:"true" doc:"The actor's email; null once their account is deleted."`
	Action      string         `json:"action" doc:"What happened: task.create, task.update (details: fields), task.delete, task.bulk_delete (count), member.add, member.role, member.remove, invitation.create, invitation.accept, invitation.revoke; in a personal log also auth.login (method, two_factor), auth.login_failed (reason, count), auth.password, auth.logout (method), auth.logout_all (api_tokens), token.create and token.revoke (name); in any log access.denied (kind, route, count)."`
	TargetType  string         `json:"target_type"`
	TargetID    string         `json:"target_id"`
	IP          string         `json:"ip"`
	RequestID   string         `json:"request_id"`
	Details     map[string]any `json:"details" doc:"Names and counts, never a password, token, cookie, code or task text beyond the title. A refused attempt's count is how many of that minute it stands for."`
}

func auditEntryOut(e tenantry.AuditEntry) AuditEntryOut {
	out := AuditEntryOut{
		ID: e.ID, At: e.At, ActorUserID: e.ActorUserID, Action: e.Action,
		TargetType: e.TargetType, TargetID: e.TargetID, IP: e.IP, RequestID: e.RequestID, Details: e.Details,
	}
	if e.ActorEmail != "" {
		out.ActorEmail = &e.ActorEmail
	}
	return out
}

// AuditListOutput answers with a page of audit entries.
type AuditListOutput struct {
	Link string `header:"Link" doc:"<...>; rel=\"next\" when the page is full."`
	Body []AuditEntryOut
}

func auditList(q AuditQuery, path string, f tenantry.AuditFilter, es []tenantry.AuditEntry) *AuditListOutput {
	out := &AuditListOutput{Body: make([]AuditEntryOut, 0, len(es)), Link: q.link(path, f, es)}
	for _, e := range es {
		out.Body = append(out.Body, auditEntryOut(e))
	}
	return out
}

// OrgAuditInput is the request of GET /api/orgs/{org_id}/audit.
type OrgAuditInput struct {
	OrgPath
	AuditQuery
}

func (s *server) orgAudit(ctx context.Context, in *OrgAuditInput) (*AuditListOutput, error) {
	f := in.filter()
	var (
		es  []tenantry.AuditEntry
		org uuid.UUID
	)
	err := s.inOrg(ctx, in.OrgID, false, func(tx tenantry.TenantAccess) (err error) {
		if err := tenantry.Need(tx.Scope(), tenantry.RoleAdmin, tenantry.MsgManageMembers); err != nil {
			return err
		}
		org = tx.Scope().TenantID
		es, err = tx.AuditEntries(ctx, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	return auditList(in.AuditQuery, "/api/orgs/"+org.String()+"/audit", f, es), nil
}

// PersonalAuditInput is the request of GET /api/{user_id}/audit.
type PersonalAuditInput struct {
	UserPath
	AuditQuery
}

func (s *server) personalAudit(ctx context.Context, in *PersonalAuditInput) (*AuditListOutput, error) {
	f := in.filter()
	var es []tenantry.AuditEntry
	err := s.inPersonal(ctx, false, func(tx tenantry.TenantAccess) (err error) {
		es, err = tx.AuditEntries(ctx, f)
		return err
	})
	if err != nil {
		return nil, err
	}
	path := "/api/" + tenantry.CallerFromContext(ctx).UserID.String() + "/audit"
	return auditList(in.AuditQuery, path, f, es), nil
}
