package server

import (
	"context"
	"net/http"

	"github.com/tenantry/tenantry"
)

// Organization tasks: every member may read, create, edit and delete one
// task; bulk delete needs owner or admin.

// CreateOrgTaskInput is the request of POST /api/orgs/{org_id}/tasks.
type CreateOrgTaskInput struct {
	OrgPath
	IdempotencyKeyHeader
	Body OrgTaskIn
}

// OrgTaskOutput answers with an organization's task and its ETag; Status
// is 304 (and the body is not sent) when the client's copy is current.
type OrgTaskOutput struct {
	Status int
	ETag   string `header:"ETag" doc:"The task's version, a strong validator for If-Match and If-None-Match."`
	Body   OrgTaskOut
}

// orgTaskOutput is the answer with t and status (huma sends an output's Status
// as it is, so every answer sets it).
func orgTaskOutput(t tenantry.Task, status int) *OrgTaskOutput {
	out := &OrgTaskOutput{ETag: taskETag(t), Body: orgTaskOut(t)}
	out.Status = status
	return out
}

func (s *server) createOrgTask(ctx context.Context, in *CreateOrgTaskInput) (*OrgTaskOutput, error) {
	t, err := s.orgTasks(in.OrgID).create(ctx, in.Body.newTask(), in.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	return orgTaskOutput(t, http.StatusCreated), nil
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
	IfNoneMatchHeader
}

func (s *server) getOrgTask(ctx context.Context, in *OrgTaskInput) (*OrgTaskOutput, error) {
	t, notModified, err := s.orgTasks(in.OrgID).get(ctx, in.TaskID, in.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	return orgTaskOutput(t, readStatus(notModified)), nil
}

// ReplaceOrgTaskInput is the request of PUT /api/orgs/{org_id}/tasks/{task_id}.
type ReplaceOrgTaskInput struct {
	OrgPath
	TaskPath
	IfMatchHeader
	Body OrgTaskIn
}

func (s *server) replaceOrgTask(ctx context.Context, in *ReplaceOrgTaskInput) (*OrgTaskOutput, error) {
	t, err := s.orgTasks(in.OrgID).replace(ctx, in.TaskID, in.IfMatch, in.Body.newTask())
	if err != nil {
		return nil, err
	}
	return orgTaskOutput(t, http.StatusOK), nil
}

// PatchOrgTaskInput is the request of PATCH /api/orgs/{org_id}/tasks/{task_id}.
type PatchOrgTaskInput struct {
	OrgPath
	TaskPath
	IfMatchHeader
	Body OrgTaskPatchIn
}

func (s *server) patchOrgTask(ctx context.Context, in *PatchOrgTaskInput) (*OrgTaskOutput, error) {
	t, err := s.orgTasks(in.OrgID).patch(ctx, in.TaskID, in.IfMatch, in.Body.patch())
	if err != nil {
		return nil, err
	}
	return orgTaskOutput(t, http.StatusOK), nil
}

// DeleteOrgTaskInput is the request of DELETE /api/orgs/{org_id}/tasks/{task_id}.
type DeleteOrgTaskInput struct {
	OrgPath
	TaskPath
	IfMatchHeader
}

func (s *server) deleteOrgTask(ctx context.Context, in *DeleteOrgTaskInput) (*NoContentOutput, error) {
	if err := s.orgTasks(in.OrgID).delete(ctx, in.TaskID, in.IfMatch); err != nil {
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
	err := s.inOrg(ctx, in.OrgID, true, func(tx tenantry.TenantAccess) (err error) {
		if err := tenantry.MayBulkDelete(tx.Scope()); err != nil {
			return err
		}
		if n, err = tx.DeleteTasks(ctx, parseCompleted(in.Completed)); err != nil {
			return err
		}
		return audit(ctx, tx, tenantry.AuditTaskBulkDelete, "task", "", map[string]any{"count": n})
	})
	if err != nil {
		return nil, err
	}
	return &DeletedOutput{Body: DeletedOut{DeletedCount: n}}, nil
}
