// This file is written by hand, not generated: sqlc generate leaves files it
// did not write alone. It reads the pages of tasks that sqlc's Tasks and
// TasksByCompleted read, with the same SQL (queries/tasks.sql) and the same
// columns, into a slice the caller sizes.

package pgdb

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// AppendTasks is Tasks, appending the page to dst. Given room for arg.Lim
// rows, it scans each row in place: sqlc's :many scans a row into a
// variable of its own, which escapes, and appends a copy to a slice that
// grows from nothing, about three times the page's size in allocations.
func (q *Queries) AppendTasks(ctx context.Context, dst []Task, arg TasksParams) ([]Task, error) {
	rows, err := q.db.Query(ctx, tasks, arg.TenantID, arg.After, arg.Lim)
	if err != nil {
		return dst, err
	}
	return appendTaskRows(dst, rows)
}

// AppendTasksByCompleted is TasksByCompleted, appending the page to dst, as
// AppendTasks does.
func (q *Queries) AppendTasksByCompleted(ctx context.Context, dst []Task, arg TasksByCompletedParams) ([]Task, error) {
	rows, err := q.db.Query(ctx, tasksByCompleted, arg.TenantID, arg.Completed, arg.After, arg.Lim)
	if err != nil {
		return dst, err
	}
	return appendTaskRows(dst, rows)
}

// appendTaskRows scans rows of the task columns, in Task's field order (the
// order of the queries' SELECT list, as the generated Task scans them), into
// new elements of dst, and closes rows.
func appendTaskRows(dst []Task, rows pgx.Rows) ([]Task, error) {
	defer rows.Close()
	for rows.Next() {
		dst = append(dst, Task{})
		i := &dst[len(dst)-1]
		if err := rows.Scan(
			&i.TenantID,
			&i.ID,
			&i.Title,
			&i.Description,
			&i.Completed,
			&i.AssignedUserID,
			&i.CreatedAt,
			&i.UpdatedAt,
			&i.Version,
		); err != nil {
			return dst, err
		}
	}
	return dst, rows.Err()
}
