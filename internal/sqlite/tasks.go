package sqlite

import (
	"context"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// CreateTask adds a task. ErrAssigneeNotMember.
func (t *tenantTx) CreateTask(ctx context.Context, in tenantry.NewTask) (tenantry.Task, error) {
	if err := t.checkAssignee(ctx, in.AssignedUserID); err != nil {
		return tenantry.Task{}, err
	}
	now := t.db.now()
	p := sqlitedb.CreateTaskParams{
		TenantID:       t.tid,
		ID:             idBytes(t.db.NewID()),
		Title:          in.Title,
		Description:    nullString(in.Description),
		Completed:      in.Completed,
		AssignedUserID: nullIDBytes(in.AssignedUserID),
		CreatedAt:      micros(now),
		UpdatedAt:      micros(now),
	}
	if err := t.q.CreateTask(ctx, p); err != nil {
		return tenantry.Task{}, taskWriteErr("create task", err)
	}
	return toTask(sqlitedb.Task{
		TenantID: p.TenantID, ID: p.ID, Title: p.Title, Description: p.Description, Completed: p.Completed,
		AssignedUserID: p.AssignedUserID, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: 1,
	}), nil
}

// Task returns one task of the tenant. ErrTaskNotFound.
func (t *tenantTx) Task(ctx context.Context, id uuid.UUID) (tenantry.Task, error) {
	r, err := t.q.Task(ctx, sqlitedb.TaskParams{TenantID: t.tid, ID: idBytes(id)})
	if err != nil {
		return tenantry.Task{}, interpretError("task", err, tenantry.ErrTaskNotFound)
	}
	return toTask(r), nil
}

// TaskForUpdate returns one task of the tenant. The store has one writer,
// so the task cannot change before the Update ends. ErrTaskNotFound.
func (t *tenantTx) TaskForUpdate(ctx context.Context, id uuid.UUID) (tenantry.Task, error) {
	r, err := t.q.TaskForUpdate(ctx, sqlitedb.TaskForUpdateParams{TenantID: t.tid, ID: idBytes(id)})
	if err != nil {
		return tenantry.Task{}, interpretError("task for update", err, tenantry.ErrTaskNotFound)
	}
	return toTask(r), nil
}

// Tasks returns one page of the tenant's tasks in id order. A Limit outside
// 1..MaxPageSize is read as DefaultPageSize or MaxPageSize.
func (t *tenantTx) Tasks(ctx context.Context, f tenantry.TaskFilter) ([]tenantry.Task, error) {
	limit := int64(tenantry.Page{Limit: f.Limit}.PageLimit())
	after := []byte{} // sorts before every id
	if f.After != nil {
		after = idBytes(*f.After)
	}
	var (
		rows []sqlitedb.Task
		err  error
	)
	if f.Completed == nil {
		rows, err = t.q.Tasks(ctx, sqlitedb.TasksParams{TenantID: t.tid, After: after, Limit: limit})
	} else {
		rows, err = t.q.TasksByCompleted(ctx, sqlitedb.TasksByCompletedParams{
			TenantID: t.tid, Completed: *f.Completed, After: after, Limit: limit,
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
	r, err := t.q.ReplaceTask(ctx, sqlitedb.ReplaceTaskParams{
		TenantID:       t.tid,
		ID:             idBytes(id),
		Title:          in.Title,
		Description:    nullString(in.Description),
		Completed:      in.Completed,
		AssignedUserID: nullIDBytes(in.AssignedUserID),
		UpdatedAt:      micros(t.db.now()),
	})
	if err != nil {
		return tenantry.Task{}, taskWriteErr("replace task", err)
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
	params := sqlitedb.PatchTaskParams{
		TenantID:       t.tid,
		ID:             idBytes(id),
		Title:          nullString(p.Title),
		SetDescription: p.SetDescription,
		Description:    nullString(p.Description),
		SetAssignee:    p.SetAssignee,
		AssignedUserID: nullIDBytes(p.AssignedUserID),
		UpdatedAt:      micros(t.db.now()),
	}
	if p.Completed != nil {
		params.Completed.Bool, params.Completed.Valid = *p.Completed, true
	}
	r, err := t.q.PatchTask(ctx, params)
	if err != nil {
		return tenantry.Task{}, taskWriteErr("patch task", err)
	}
	return toTask(r), nil
}

// DeleteTask deletes one task. ErrTaskNotFound.
func (t *tenantTx) DeleteTask(ctx context.Context, id uuid.UUID) error {
	n, err := t.q.DeleteTask(ctx, sqlitedb.DeleteTaskParams{TenantID: t.tid, ID: idBytes(id)})
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
		n, err = t.q.DeleteTasks(ctx, t.tid)
	} else {
		n, err = t.q.DeleteTasksByCompleted(ctx, sqlitedb.DeleteTasksByCompletedParams{TenantID: t.tid, Completed: *completed})
	}
	if err != nil {
		return 0, interpretError("delete tasks", err, nil)
	}
	return n, nil
}

// checkAssignee returns ErrAssigneeNotMember unless id is nil or a member of
// the bound tenant. The foreign key on tasks would refuse the write too; the
// explicit check gives the same answer on every engine.
func (t *tenantTx) checkAssignee(ctx context.Context, id *uuid.UUID) error {
	if id == nil {
		return nil
	}
	ok, err := t.q.IsMember(ctx, sqlitedb.IsMemberParams{TenantID: t.tid, UserID: idBytes(*id)})
	if err != nil {
		return interpretError("check assignee", err, nil)
	} else if !ok {
		return tenantry.ErrAssigneeNotMember
	}
	return nil
}

// taskWriteErr maps a write's error: a foreign key failure on tasks can only
// be the assignee (the tenant was checked by the membership look-up).
func taskWriteErr(op string, err error) error {
	if isConstraint(err, errForeignKey) {
		return tenantry.ErrAssigneeNotMember
	}
	return interpretError(op, err, tenantry.ErrTaskNotFound)
}
