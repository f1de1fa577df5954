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

// pageSize is how many tasks one page of the list shows.
const pageSize = 20

// taskRow is a task as the list shows it.
type taskRow struct {
	tenantry.Task
	Href     string // the task's page
	Assignee string // the assignee's email, in an organization
}

// taskList is the tasks page of a space.
type taskList struct {
	Org      *tenantry.Tenant // nil in the personal space
	Role     tenantry.Role
	Base     string // the list's path
	Status   string // "", "open" or "done"
	Tasks    []taskRow
	Next     string // the next page, if any
	Paged    bool   // this is not the first page
	Members  []tenantry.Member
	Form     *form // the new task
	OrgForm  *form // a new organization (personal space)
	MayClear bool  // may delete the completed tasks
}

// taskFields is what the task-fields template shows: the fields of the
// task form, the assignee in an organization only. Rows is the height of
// the description.
type taskFields struct {
	Form    *form
	Org     bool
	Members []tenantry.Member
	Rows    int
}

// Fields are the new task form's fields: a short description.
func (p taskList) Fields() taskFields {
	return taskFields{Form: p.Form, Org: p.Org != nil, Members: p.Members, Rows: 2}
}

// statusFilter reads ?status=: "open", "done", or all.
func statusFilter(r *http.Request) (string, *bool) {
	switch r.URL.Query().Get("status") {
	case "open":
		f := false
		return "open", &f
	case "done":
		t := true
		return "done", &t
	}
	return "", nil
}

func (ui *UI) taskList(q *req) { ui.showTasks(q, http.StatusOK, newForm(), newForm()) }

// showTasks renders the task list of the request's space with the state
// of its two forms.
func (ui *UI) showTasks(q *req, status int, f, orgForm *form) {
	p := taskList{Base: q.space.tasksPath(), Form: f, OrgForm: orgForm}
	var completed *bool
	p.Status, completed = statusFilter(q.r)
	filter := tenantry.TaskFilter{Completed: completed, Limit: pageSize + 1}
	if a := q.r.URL.Query().Get("after"); a != "" {
		id, err := uuid.Parse(a)
		if err != nil {
			ui.notFound(q)
			return
		}
		filter.After, p.Paged = &id, true
	}
	var tasks []tenantry.Task
	err := ui.view(q, func(tx tenantry.TenantAccess) error {
		var err error
		if tasks, err = tx.Tasks(q.r.Context(), filter); err != nil {
			return err
		}
		p.Role = tx.Scope().Role
		if q.space.org {
			t, err := tx.Tenant(q.r.Context())
			if err != nil {
				return err
			}
			p.Org = &t
			p.Members, err = tx.Members(q.r.Context(), tenantry.Page{Limit: tenantry.MaxPageSize})
			return err
		}
		return nil
	})
	if err != nil {
		ui.fail(q, err)
		return
	}
	p.MayClear = tenantry.MayBulkDelete(tenantry.Scope{Role: p.Role}) == nil
	if len(tasks) > pageSize {
		tasks = tasks[:pageSize]
		p.Next = p.Base + "?after=" + tasks[pageSize-1].ID.String()
		if p.Status != "" {
			p.Next += "&status=" + p.Status
		}
	}
	emails := map[uuid.UUID]string{}
	for _, m := range p.Members {
		emails[m.UserID] = m.Email
	}
	for _, t := range tasks {
		row := taskRow{Task: t, Href: p.Base + "/" + t.ID.String()}
		if t.AssignedUserID != nil {
			row.Assignee = emails[*t.AssignedUserID]
		}
		p.Tasks = append(p.Tasks, row)
	}
	title := "Your tasks"
	if p.Org != nil {
		title = p.Org.Name + ": tasks"
	}
	notice := ""
	if status == http.StatusOK {
		notice = ui.takeFlash(q.w, q.r)
	}
	ui.render(q, status, "tasks", title, p, notice)
}

// msgChooseMember is the assignee field's error: not a member's id.
const msgChooseMember = "Choose a member of the organization."

// taskForm reads a posted task: title, description and, in an
// organization, the assignee. The rules are the API's (bodies.go).
func taskForm(q *req) (*form, tenantry.NewTask) {
	f := newForm()
	title := strings.TrimSpace(q.r.PostFormValue("title"))
	desc := strings.ReplaceAll(q.r.PostFormValue("description"), "\r\n", "\n")
	f.Values["title"], f.Values["description"] = title, desc
	switch {
	case !utf8.ValidString(title) || !utf8.ValidString(desc):
		f.fail("title", "The task holds characters that cannot be saved.")
	case title == "":
		f.fail("title", "Give the task a title.")
	case utf8.RuneCountInString(title) > tenantry.MaxTitleLen:
		f.fail("title", "Keep the title to 200 characters or fewer.")
	case strings.IndexFunc(title, unicode.IsControl) >= 0:
		f.fail("title", "The title must be one line of text.")
	}
	switch {
	case utf8.RuneCountInString(desc) > tenantry.MaxDescriptionLen:
		f.fail("description", "Keep the description to 5000 characters or fewer.")
	case strings.IndexFunc(desc, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0:
		f.fail("description", "The description holds a character that cannot be saved.")
	}
	t := tenantry.NewTask{Title: title}
	if desc != "" {
		t.Description = &desc
	}
	if q.space.org {
		a := q.r.PostFormValue("assignee")
		f.Values["assignee"] = a
		if a != "" {
			id, err := uuid.Parse(a)
			if err != nil {
				f.fail("assignee", msgChooseMember)
			} else {
				t.AssignedUserID = &id
			}
		}
	}
	return f, t
}

func (ui *UI) createTask(q *req) {
	f, t := taskForm(q)
	if f.ok() {
		err := ui.update(q, func(tx tenantry.TenantAccess) error {
			task, err := tx.CreateTask(q.r.Context(), t)
			if err != nil {
				return err
			}
			return ui.audit(q, tx, tenantry.AuditTaskCreate, "task", task.ID.String(), map[string]any{"title": task.Title})
		})
		if ui.taskWritten(q, f, err, "created") {
			return
		}
	}
	ui.showTasks(q, http.StatusUnprocessableEntity, f, newForm())
}

// taskWritten ends a create or a save of the task form: done, back to the
// list with notice; the store refused the assignee, an error on f (false:
// the caller shows the form again); or any other error's page.
func (ui *UI) taskWritten(q *req, f *form, err error, notice string) (answered bool) {
	switch {
	case err == nil:
		ui.redirect(q, q.space.tasksPath(), notice)
		return true
	case errors.Is(err, tenantry.ErrAssigneeNotMember):
		f.fail("assignee", msgChooseMember)
		return false
	default:
		ui.fail(q, err)
		return true
	}
}

// taskID is the path's task id. One that is not a UUID names no task.
func taskID(q *req) (uuid.UUID, bool) {
	id, err := uuid.Parse(q.r.PathValue("task_id"))
	return id, err == nil && id.String() == q.r.PathValue("task_id")
}

// taskPage is the page of one task: its fields to edit.
type taskPage struct {
	Task    tenantry.Task
	Base    string
	Href    string
	Org     bool
	Members []tenantry.Member
	Form    *form
}

// Fields are the edit form's fields: room for a longer description.
func (p taskPage) Fields() taskFields {
	return taskFields{Form: p.Form, Org: p.Org, Members: p.Members, Rows: 5}
}

func (ui *UI) taskPage(q *req) {
	id, ok := taskID(q)
	if !ok {
		ui.notFound(q)
		return
	}
	ui.showTask(q, http.StatusOK, id, nil)
}

// showTask renders a task's page; f, when set, is the form as posted.
func (ui *UI) showTask(q *req, status int, id uuid.UUID, f *form) {
	p := taskPage{Base: q.space.tasksPath(), Org: q.space.org}
	err := ui.view(q, func(tx tenantry.TenantAccess) error {
		var err error
		if p.Task, err = tx.Task(q.r.Context(), id); err != nil {
			return err
		}
		if q.space.org {
			p.Members, err = tx.Members(q.r.Context(), tenantry.Page{Limit: tenantry.MaxPageSize})
		}
		return err
	})
	if err != nil {
		ui.fail(q, err)
		return
	}
	p.Href = p.Base + "/" + id.String()
	if f == nil {
		f = newForm()
		f.Values["title"] = p.Task.Title
		if p.Task.Description != nil {
			f.Values["description"] = *p.Task.Description
		}
		if p.Task.AssignedUserID != nil {
			f.Values["assignee"] = p.Task.AssignedUserID.String()
		}
	}
	p.Form = f
	notice := ""
	if status == http.StatusOK {
		notice = ui.takeFlash(q.w, q.r)
	}
	ui.render(q, status, "task", p.Task.Title, p, notice)
}

func (ui *UI) editTask(q *req) {
	id, ok := taskID(q)
	if !ok {
		ui.notFound(q)
		return
	}
	f, t := taskForm(q)
	if f.ok() {
		patch := tenantry.TaskPatch{Title: &t.Title, SetDescription: true, Description: t.Description}
		if q.space.org {
			patch.SetAssignee, patch.AssignedUserID = true, t.AssignedUserID
		}
		err := ui.update(q, func(tx tenantry.TenantAccess) error {
			task, err := tx.PatchTask(q.r.Context(), id, patch)
			if err != nil {
				return err
			}
			fields := []string{"title", "description"}
			if patch.SetAssignee {
				fields = append(fields, "assigned_user_id")
			}
			return ui.audit(q, tx, tenantry.AuditTaskUpdate, "task", id.String(), map[string]any{"fields": fields, "title": task.Title})
		})
		if ui.taskWritten(q, f, err, "saved") {
			return
		}
	}
	ui.showTask(q, http.StatusUnprocessableEntity, id, f)
}

// back is the list to return to after an action on it: the space's list,
// with the filter the form was sent from.
func back(q *req) string {
	switch s := q.r.PostFormValue("status"); s {
	case "open", "done":
		return q.space.tasksPath() + "?status=" + s
	}
	return q.space.tasksPath()
}

func (ui *UI) toggleTask(q *req) {
	id, ok := taskID(q)
	if !ok {
		ui.notFound(q)
		return
	}
	done := q.r.PostFormValue("completed") == "true"
	err := ui.update(q, func(tx tenantry.TenantAccess) error {
		task, err := tx.PatchTask(q.r.Context(), id, tenantry.TaskPatch{Completed: &done})
		if err != nil {
			return err
		}
		return ui.audit(q, tx, tenantry.AuditTaskUpdate, "task", id.String(), map[string]any{"fields": []string{"completed"}, "title": task.Title})
	})
	if err != nil {
		ui.fail(q, err)
		return
	}
	notice := "reopened"
	if done {
		notice = "completed"
	}
	ui.redirect(q, back(q), notice)
}

func (ui *UI) deleteTask(q *req) {
	id, ok := taskID(q)
	if !ok {
		ui.notFound(q)
		return
	}
	if err := ui.update(q, func(tx tenantry.TenantAccess) error {
		if err := tx.DeleteTask(q.r.Context(), id); err != nil {
			return err
		}
		return ui.audit(q, tx, tenantry.AuditTaskDelete, "task", id.String(), nil)
	}); err != nil {
		ui.fail(q, err)
		return
	}
	ui.redirect(q, back(q), "deleted")
}

func (ui *UI) deleteCompleted(q *req) {
	done := true
	err := ui.update(q, func(tx tenantry.TenantAccess) error {
		if err := tenantry.MayBulkDelete(tx.Scope()); err != nil {
			return err
		}
		n, err := tx.DeleteTasks(q.r.Context(), &done)
		if err != nil {
			return err
		}
		return ui.audit(q, tx, tenantry.AuditTaskBulkDelete, "task", "", map[string]any{"count": n})
	})
	if err != nil {
		ui.fail(q, err)
		return
	}
	ui.redirect(q, back(q), "cleared")
}
