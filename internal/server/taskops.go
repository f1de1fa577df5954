package server

import (
	"context"
	"net/url"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// Personal and organization tasks behave alike; only the way into the
// tenant differs (s.inPersonal or s.inOrg, each with its own checks and
// security events) and the answer's type. taskOps holds the shared part.

// taskOps runs the task operations of one tenant through run.
type taskOps struct {
	run func(ctx context.Context, write bool, fn func(tenantry.TenantAccess) error) error
}

// personalTasks enters the caller's personal tenant.
func (s *server) personalTasks() taskOps {
	return taskOps{run: s.inPersonal}
}

// orgTasks enters the organization orgID as one of its members.
func (s *server) orgTasks(orgID string) taskOps {
	return taskOps{run: func(ctx context.Context, write bool, fn func(tenantry.TenantAccess) error) error {
		return s.inOrg(ctx, orgID, write, fn)
	}}
}

// create adds a task and its audit entry, once per idempotency key (none
// when key is empty): a replay writes neither again.
func (o taskOps) create(ctx context.Context, nt tenantry.NewTask, key string) (t tenantry.Task, err error) {
	if err := checkIdempotencyKey(key); err != nil {
		return t, err
	}
	err = o.run(ctx, true, func(tx tenantry.TenantAccess) error {
		return idempotent(ctx, tx, "createTask", key, nt, &t, func() (err error) {
			if t, err = tx.CreateTask(ctx, nt); err != nil {
				return err
			}
			return audit(ctx, tx, tenantry.AuditTaskCreate, "task", t.ID.String(), map[string]any{"title": t.Title})
		})
	})
	return t, err
}

// withTask runs fn on the task named by the path id rawID. The id is parsed
// inside the tenant's scope, so a malformed id goes through the same checks,
// answers and security events as an unknown one.
func (o taskOps) withTask(ctx context.Context, write bool, rawID string, fn func(tx tenantry.TenantAccess, id uuid.UUID) error) error {
	return o.run(ctx, write, func(tx tenantry.TenantAccess) error {
		id, err := parseTaskID(rawID)
		if err != nil {
			return err
		}
		return fn(tx, id)
	})
}

// get reads one task. notModified says that ifNoneMatch names its current
// ETag, so the client's copy is current.
func (o taskOps) get(ctx context.Context, rawID, ifNoneMatch string) (t tenantry.Task, notModified bool, err error) {
	err = o.withTask(ctx, false, rawID, func(tx tenantry.TenantAccess, id uuid.UUID) (err error) {
		t, err = tx.Task(ctx, id)
		return err
	})
	return t, err == nil && ifNoneMatch != "" && etagMatches(ifNoneMatch, taskETag(t), true), err
}

func (o taskOps) replace(ctx context.Context, rawID, ifMatch string, nt tenantry.NewTask) (t tenantry.Task, err error) {
	err = o.withTask(ctx, true, rawID, func(tx tenantry.TenantAccess, id uuid.UUID) (err error) {
		if err := checkIfMatch(ctx, tx, id, ifMatch); err != nil {
			return err
		}
		if t, err = tx.ReplaceTask(ctx, id, nt); err != nil {
			return err
		}
		return audit(ctx, tx, tenantry.AuditTaskUpdate, "task", id.String(), map[string]any{
			"fields": []string{"title", "description", "completed", "assigned_user_id"}, "title": t.Title,
		})
	})
	return t, err
}

func (o taskOps) patch(ctx context.Context, rawID, ifMatch string, p tenantry.TaskPatch) (t tenantry.Task, err error) {
	err = o.withTask(ctx, true, rawID, func(tx tenantry.TenantAccess, id uuid.UUID) (err error) {
		if err := checkIfMatch(ctx, tx, id, ifMatch); err != nil {
			return err
		}
		if t, err = tx.PatchTask(ctx, id, p); err != nil {
			return err
		}
		return audit(ctx, tx, tenantry.AuditTaskUpdate, "task", id.String(), map[string]any{
			"fields": patchedFields(p), "title": t.Title,
		})
	})
	return t, err
}

func (o taskOps) delete(ctx context.Context, rawID, ifMatch string) error {
	return o.withTask(ctx, true, rawID, func(tx tenantry.TenantAccess, id uuid.UUID) error {
		if err := checkIfMatch(ctx, tx, id, ifMatch); err != nil {
			return err
		}
		if err := tx.DeleteTask(ctx, id); err != nil {
			return err
		}
		return audit(ctx, tx, tenantry.AuditTaskDelete, "task", id.String(), nil)
	})
}

// taskPage reads one page of tasks, converted by out, and the Link header
// of the next page; path is the collection's own path.
func taskPage[Out any](ctx context.Context, o taskOps, path string, q ListQuery, out func(tenantry.Task) Out) ([]Out, string, error) {
	f := q.filter()
	var ts []tenantry.Task
	err := o.run(ctx, false, func(tx tenantry.TenantAccess) (err error) {
		ts, err = tx.Tasks(ctx, f)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	body := make([]Out, 0, len(ts))
	for _, t := range ts {
		body = append(body, out(t))
	}
	link := ""
	if len(ts) > 0 {
		v := url.Values{}
		if q.Completed != "" {
			v.Set("completed", q.Completed)
		}
		link = nextLink(path, v, f.Limit, ts[len(ts)-1].ID, len(ts))
	}
	return body, link, nil
}

func (b TaskIn) newTask() tenantry.NewTask {
	return tenantry.NewTask{Title: b.Title, Description: b.Description, Completed: b.Completed}
}

func (b OrgTaskIn) newTask() tenantry.NewTask {
	return tenantry.NewTask{
		Title: b.Title, Description: b.Description, Completed: b.Completed, AssignedUserID: b.AssignedUserID,
	}
}

func (b TaskPatchIn) patch() tenantry.TaskPatch {
	return tenantry.TaskPatch{
		Title: b.Title.Value, Completed: b.Completed.Value,
		SetDescription: b.Description.Set, Description: b.Description.Value,
	}
}

func (b OrgTaskPatchIn) patch() tenantry.TaskPatch {
	return tenantry.TaskPatch{
		Title: b.Title.Value, Completed: b.Completed.Value,
		SetDescription: b.Description.Set, Description: b.Description.Value,
		SetAssignee: b.AssignedUserID.Set, AssignedUserID: b.AssignedUserID.Value,
	}
}

// ListQuery selects one page of tasks.
type ListQuery struct {
	Limit     int    `query:"limit" minimum:"1" maximum:"100" default:"50" doc:"Page size, 1 to 100."`
	Completed string `query:"completed" enum:"true,false" doc:"Only completed (true) or open (false) tasks."`
	After     string `query:"after" format:"uuid" doc:"Cursor: the id of the last task of the previous page (see the Link header)."`
}

// CompletedQuery narrows a bulk delete.
type CompletedQuery struct {
	Completed string `query:"completed" enum:"true,false" doc:"Delete only completed (true) or open (false) tasks; all if absent."`
}

// Resolve refuses an empty completed or after: "?completed=" must not
// quietly mean "all".
func (q *ListQuery) Resolve(ctx huma.Context) []error {
	return emptyQuery(ctx, "completed", "after", "limit")
}

// Resolve refuses an empty completed: a bulk delete with "?completed="
// must not quietly delete everything.
func (q *CompletedQuery) Resolve(ctx huma.Context) []error {
	return emptyQuery(ctx, "completed")
}

func parseCompleted(s string) *bool {
	if s == "" {
		return nil
	}
	b := s == "true"
	return &b
}

// filter turns a ListQuery into a TaskFilter; huma has checked its syntax.
func (q ListQuery) filter() tenantry.TaskFilter {
	f := tenantry.TaskFilter{Completed: parseCompleted(q.Completed), Limit: q.Limit}
	if f.Limit == 0 {
		f.Limit = tenantry.DefaultPageSize
	}
	if q.After != "" {
		if id, err := uuid.Parse(q.After); err == nil {
			f.After = &id
		}
	}
	return f
}
