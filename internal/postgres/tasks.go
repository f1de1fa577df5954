package postgres

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// CreateTask adds a task. ErrAssigneeNotMember.
func (t *tenantTx) CreateTask(ctx context.Context, in tenantry.NewTask) (tenantry.Task, error) {
	if err := t.checkAssignee(ctx, in.AssignedUserID); err != nil {
		return tenantry.Task{}, err
	}
	now := t.db.now()
	r, err := t.q.CreateTask(ctx, pgdb.CreateTaskParams{
		TenantID: t.scope.TenantID, ID: t.db.NewID(),
		Title: in.Title, Description: in.Description, Completed: in.Completed,
		AssignedUserID: in.AssignedUserID, CreatedAt: now, UpdatedAt: now,
	})
	if err != nil {
		return tenantry.Task{}, interpretError("create task", err, nil)
	}
	return toTask(r), nil
}

// Task returns one task of the tenant. ErrTaskNotFound.
func (t *tenantTx) Task(ctx context.Context, id uuid.UUID) (tenantry.Task, error) {
	r, err := t.q.Task(ctx, pgdb.TaskParams{TenantID: t.scope.TenantID, ID: id})
	if err != nil {
		return tenantry.Task{}, interpretError("task", err, tenantry.ErrTaskNotFound)
	}
	return toTask(r), nil
}

// TaskForUpdate returns one task of the tenant and locks its row until the
// transaction ends. ErrTaskNotFound.
func (t *tenantTx) TaskForUpdate(ctx context.Context, id uuid.UUID) (tenantry.Task, error) {
	r, err := t.q.TaskForUpdate(ctx, pgdb.TaskForUpdateParams{TenantID: t.scope.TenantID, ID: id})
	if err != nil {
		return tenantry.Task{}, interpretError("task for update", err, tenantry.ErrTaskNotFound)
	}
	return toTask(r), nil
}

// Tasks returns one page of the tenant's tasks in id order. A Limit outside
// 1..MaxPageSize is read as DefaultPageSize or MaxPageSize.
func (t *tenantTx) Tasks(ctx context.Context, f tenantry.TaskFilter) ([]tenantry.Task, error) {
	limit := tenantry.Page{Limit: f.Limit}.PageLimit()
	var after uuid.UUID // the nil UUID sorts before every id
	if f.After != nil {
		after = *f.After
	}
	// Scanned into a slice with room for the page, not grown row by row.
	rows := make([]pgdb.Task, 0, limit)
	var err error
	if f.Completed == nil {
		rows, err = t.q.AppendTasks(ctx, rows, pgdb.TasksParams{TenantID: t.scope.TenantID, After: after, Lim: int32(limit)})
	} else {
		rows, err = t.q.AppendTasksByCompleted(ctx, rows, pgdb.TasksByCompletedParams{
			TenantID: t.scope.TenantID, Completed: *f.Completed, After: after, Lim: int32(limit),
		})
	}
	if err != nil {
		return nil, interpretError("tasks", err, nil)
	}
	tasks := make([]tenantry.Task, len(rows))
	for i, r := range rows {
		tasks[i] = toTask(r)
	}
	return tasks, nil
}

// ReplaceTask overwrites every settable field. ErrTaskNotFound,
// ErrAssigneeNotMember.
func (t *tenantTx) ReplaceTask(ctx context.Context, id uuid.UUID, in tenantry.NewTask) (tenantry.Task, error) {
	if err := t.checkAssignee(ctx, in.AssignedUserID); err != nil {
		return tenantry.Task{}, err
	}
	r, err := t.q.ReplaceTask(ctx, pgdb.ReplaceTaskParams{
		TenantID: t.scope.TenantID, ID: id,
		Title: in.Title, Description: in.Description, Completed: in.Completed,
		AssignedUserID: in.AssignedUserID, UpdatedAt: t.db.now(),
	})
	if err != nil {
		return tenantry.Task{}, interpretError("replace task", err, tenantry.ErrTaskNotFound)
	}
	return toTask(r), nil
}

// PatchTask changes the fields the patch sets, in one statement.
// ErrTaskNotFound, ErrAssigneeNotMember.
func (t *tenantTx) PatchTask(ctx context.Context, id uuid.UUID, p tenantry.TaskPatch) (tenantry.Task, error) {
	if p.SetAssignee {
		if err := t.checkAssignee(ctx, p.AssignedUserID); err != nil {
			return tenantry.Task{}, err
		}
	}
	r, err := t.q.PatchTask(ctx, pgdb.PatchTaskParams{
		TenantID: t.scope.TenantID, ID: id,
		Title: p.Title, Completed: p.Completed,
		SetDescription: p.SetDescription, Description: p.Description,
		SetAssignee: p.SetAssignee, AssignedUserID: p.AssignedUserID,
		UpdatedAt: t.db.now(),
	})
	if err != nil {
		return tenantry.Task{}, interpretError("patch task", err, tenantry.ErrTaskNotFound)
	}
	return toTask(r), nil
}

// DeleteTask deletes one task. ErrTaskNotFound.
func (t *tenantTx) DeleteTask(ctx context.Context, id uuid.UUID) error {
	n, err := t.q.DeleteTask(ctx, pgdb.DeleteTaskParams{TenantID: t.scope.TenantID, ID: id})
	if err != nil {
		return interpretError("delete task", err, nil)
	} else if n == 0 {
		return tenantry.ErrTaskNotFound
	}
	return nil
}

// DeleteTasks deletes every task of the tenant, or those with the given
// completed state, and says how many.
func (t *tenantTx) DeleteTasks(ctx context.Context, completed *bool) (int64, error) {
	var (
		n   int64
		err error
	)
	if completed == nil {
		n, err = t.q.DeleteTasks(ctx, t.scope.TenantID)
	} else {
		n, err = t.q.DeleteTasksByCompleted(ctx, pgdb.DeleteTasksByCompletedParams{TenantID: t.scope.TenantID, Completed: *completed})
	}
	if err != nil {
		return 0, interpretError("delete tasks", err, nil)
	}
	return n, nil
}

// checkAssignee returns ErrAssigneeNotMember unless the assignee (if any) is
// a member of the tenant. Checking first keeps the transaction usable; the
// composite foreign key still guards against a concurrent removal.
func (t *tenantTx) checkAssignee(ctx context.Context, assignee *uuid.UUID) error {
	if assignee == nil {
		return nil
	}
	ok, err := t.q.IsMember(ctx, pgdb.IsMemberParams{TenantID: t.scope.TenantID, UserID: *assignee})
	if err != nil {
		return interpretError("check assignee", err, nil)
	} else if !ok {
		return tenantry.ErrAssigneeNotMember
	}
	return nil
}

func toTask(r pgdb.Task) tenantry.Task {
	return tenantry.Task{
		TenantID: r.TenantID, ID: r.ID, Title: r.Title, Description: r.Description,
		Completed: r.Completed, AssignedUserID: r.AssignedUserID,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Version: r.Version,
	}
}
