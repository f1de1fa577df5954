package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// Personal tasks live in the caller's personal tenant, whose id is the
// caller's id. The authentication middleware has already answered 403 when
// the path's {user_id} is not the caller, before any lookup.

// UserPath is the {user_id} of a personal route. Handlers act on the
// caller's tenant, never on this value; it only shapes the Link header, so
// that a page of /api/me/tasks links to the next page of /api/me/tasks.
type UserPath struct {
	UserID string `path:"user_id" doc:"The caller's own user id (UUID), or me for the caller whoever it is; any other is 403."`
}

// TaskPath is the {task_id} of a task route.
type TaskPath struct {
	TaskID string `path:"task_id" doc:"A task id (UUID). Unknown, foreign and malformed ids are the same 404."`
}

// inPersonal runs fn in the caller's personal tenant.
func (s *server) inPersonal(ctx context.Context, write bool, fn func(tenantry.TenantAccess) error) error {
	c := tenantry.CallerFromContext(ctx)
	if err := s.tokenReaches(ctx, c, c.UserID, write); err != nil {
		return err
	}
	run := s.store.View
	if write {
		run = s.store.Update
	}
	err := run(ctx, c.UserID, c.UserID, fn)
	if errors.Is(err, tenantry.ErrNotMember) {
		// The caller's own tenant is gone: the account was deleted
		// after this request was authenticated.
		return errBadCredentials
	}
	if errors.Is(err, tenantry.ErrTaskNotFound) {
		s.security(ctx, "task_not_found", slog.String("target_tenant_id", c.UserID.String()))
	}
	return err
}

// parseTaskID turns a path task id into a uuid; a malformed id is the same
// 404 as an unknown one.
func parseTaskID(s string) (uuid.UUID, error) {
	id, err := parsePathID(s)
	if err != nil {
		return uuid.Nil, tenantry.ErrTaskNotFound
	}
	return id, nil
}

// CreateTaskInput is the request of POST /api/{user_id}/tasks.
type CreateTaskInput struct {
	UserPath
	IdempotencyKeyHeader
	Body TaskIn
}

// TaskOutput answers with a personal task and its ETag; Status is 304
// (and the body is not sent) when the client's copy is current.
type TaskOutput struct {
	Status int
	ETag   string `header:"ETag" doc:"The task's version, a strong validator for If-Match and If-None-Match."`
	Body   TaskOut
}

// taskOutput is the answer with t and status (huma sends an output's Status
// as it is, so every answer sets it).
func taskOutput(t tenantry.Task, status int) *TaskOutput {
	out := &TaskOutput{ETag: taskETag(t), Body: taskOut(t)}
	out.Status = status
	return out
}

func (s *server) createTask(ctx context.Context, in *CreateTaskInput) (*TaskOutput, error) {
	t, err := s.personalTasks().create(ctx, in.Body.newTask(), in.IdempotencyKey)
	if err != nil {
		return nil, err
	}
	return taskOutput(t, http.StatusCreated), nil
}

// ListTasksInput is the request of GET /api/{user_id}/tasks.
type ListTasksInput struct {
	UserPath
	ListQuery
}

// TaskListOutput answers with a page of personal tasks.
type TaskListOutput struct {
	Link string `header:"Link" doc:"<...>; rel=\"next\" when the page is full."`
	Body []TaskOut
}

func (s *server) listTasks(ctx context.Context, in *ListTasksInput) (*TaskListOutput, error) {
	// The Link names the tenant as the request did ("me" stays "me"), but
	// canonically: the path segment itself is never copied.
	owner := pathMe
	if in.UserID != pathMe {
		owner = tenantry.CallerFromContext(ctx).UserID.String()
	}
	body, link, err := taskPage(ctx, s.personalTasks(), "/api/"+owner+"/tasks", in.ListQuery, taskOut)
	if err != nil {
		return nil, err
	}
	return &TaskListOutput{Link: link, Body: body}, nil
}

// TaskInput names one personal task to read.
type TaskInput struct {
	UserPath
	TaskPath
	IfNoneMatchHeader
}

func (s *server) getTask(ctx context.Context, in *TaskInput) (*TaskOutput, error) {
	t, notModified, err := s.personalTasks().get(ctx, in.TaskID, in.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	return taskOutput(t, readStatus(notModified)), nil
}

// ReplaceTaskInput is the request of PUT /api/{user_id}/tasks/{task_id}.
type ReplaceTaskInput struct {
	UserPath
	TaskPath
	IfMatchHeader
	Body TaskIn
}

func (s *server) replaceTask(ctx context.Context, in *ReplaceTaskInput) (*TaskOutput, error) {
	t, err := s.personalTasks().replace(ctx, in.TaskID, in.IfMatch, in.Body.newTask())
	if err != nil {
		return nil, err
	}
	return taskOutput(t, http.StatusOK), nil
}

// PatchTaskInput is the request of PATCH /api/{user_id}/tasks/{task_id}.
type PatchTaskInput struct {
	UserPath
	TaskPath
	IfMatchHeader
	Body TaskPatchIn
}

func (s *server) patchTask(ctx context.Context, in *PatchTaskInput) (*TaskOutput, error) {
	t, err := s.personalTasks().patch(ctx, in.TaskID, in.IfMatch, in.Body.patch())
	if err != nil {
		return nil, err
	}
	return taskOutput(t, http.StatusOK), nil
}

// DeleteTaskInput is the request of DELETE /api/{user_id}/tasks/{task_id}.
type DeleteTaskInput struct {
	UserPath
	TaskPath
	IfMatchHeader
}

func (s *server) deleteTask(ctx context.Context, in *DeleteTaskInput) (*NoContentOutput, error) {
	if err := s.personalTasks().delete(ctx, in.TaskID, in.IfMatch); err != nil {
		return nil, err
	}
	return &NoContentOutput{}, nil
}

// DeleteTasksInput is the request of DELETE /api/{user_id}/tasks.
type DeleteTasksInput struct {
	UserPath
	CompletedQuery
}

// DeletedOutput says how many tasks were deleted.
type DeletedOutput struct {
	Body DeletedOut
}

func (s *server) deleteTasks(ctx context.Context, in *DeleteTasksInput) (*DeletedOutput, error) {
	var n int64
	err := s.inPersonal(ctx, true, func(tx tenantry.TenantAccess) (err error) {
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
