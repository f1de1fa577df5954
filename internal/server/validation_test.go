package server_test

import (
	"testing"

	"github.com/tenantry/tenantry/internal/authztest"
)

// TestValidationErrorsOnePerFault checks that a body that does not parse,
// or a field that fails the schema, is answered with that error alone: the
// rule checks of Resolve methods (blank title, null title, exactly one of
// email and user_id) must not pile a second, misleading error on top. The
// detail names the first error with its location.
func TestValidationErrorsOnePerFault(t *testing.T) {
	t.Parallel()
	h := authztest.NewHarness(t, openSQLite(t))
	w := authztest.NewWorld(t, h)
	tok := authztest.Bearer(h.Token(w.Alice))
	json := authztest.Header("Content-Type", "application/json")
	tasks := "/api/" + w.Alice.ID.String() + "/tasks"
	task := tasks + "/" + w.AliceTask.ID.String()
	org := "/api/orgs/" + w.OrgA.ID.String()
	orgTask := org + "/tasks/" + w.OrgATask.ID.String()

	for _, c := range []struct {
		name, method, path, body string
		status                   int
		detail                   string
	}{
		{"trailing object", "POST", tasks, `{"title":"x"} {}`, 400, "body: invalid character '{' after top-level value"},
		{"title of the wrong type", "POST", tasks, `{"title":5}`, 422, "body.title: expected string"},
		{"unterminated object", "POST", tasks, `{"title":"ok"`, 400, "body: unexpected end of JSON input"},
		{"no title", "POST", tasks, `{}`, 422, "body: expected required property title to be present"},
		{"empty title", "POST", tasks, `{"title":""}`, 422, "body.title: expected length >= 1"},
		{"blank title", "POST", tasks, `{"title":"  "}`, 422, "body.title: title must not be blank"},
		{"replace, title of the wrong type", "PUT", task, `{"title":false}`, 422, "body.title: expected string"},
		{"patch, null title", "PATCH", task, `{"title":null}`, 422, "body.title: title must not be null"},
		{"patch, title of the wrong type", "PATCH", task, `{"title":5}`, 422, "body.title: expected string"},
		{"patch, null completed", "PATCH", task, `{"completed":null}`, 422, "body.completed: completed must not be null"},
		{"patch, blank title", "PATCH", task, `{"title":" "}`, 422, "body.title: title must not be blank"},
		{"org task, title of the wrong type", "POST", org + "/tasks", `{"title":[]}`, 422, "body.title: expected string"},
		{"org task, trailing data", "PUT", orgTask, `{"title":"a"}x`, 400, "body: invalid character 'x' after top-level value"},
		{"org task patch, null title", "PATCH", orgTask, `{"title":null}`, 422, "body.title: title must not be null"},
		{"org, name of the wrong type", "POST", "/api/orgs", `{"name":5}`, 422, "body.name: expected string"},
		{"org, blank name", "POST", "/api/orgs", `{"name":" "}`, 422, "body.name: name must not be blank"},
		{"member, user_id of the wrong type", "POST", org + "/members", `{"user_id":5,"role":"member"}`, 422, "body.user_id: expected string"},
		{"member, neither email nor user_id", "POST", org + "/members", `{"role":"member"}`, 422, "body: give exactly one of email and user_id"},
		{"null completed", "POST", tasks, `{"title":"a","completed":null}`, 422, "body.completed: completed must not be null"},
		{"replace, null completed", "PUT", task, `{"title":"a","completed":null}`, 422, "body.completed: completed must not be null"},
		{"org task, null completed", "POST", org + "/tasks", `{"title":"a","completed":null}`, 422, "body.completed: completed must not be null"},
		{"member, null user_id", "POST", org + "/members", `{"email":"eve@example.com","user_id":null,"role":"member"}`, 422, "body.user_id: user_id must not be null"},
		{"duplicate key", "POST", tasks, `{"title":"a","title":"b"}`, 422, "body.title: title is given more than once"},
		{"duplicate key, escaped", "PUT", task, `{"title":"a","t\u0069tle":"b"}`, 422, "body.title: title is given more than once"},
		{"patch, duplicate key", "PATCH", task, `{"completed":true,"completed":false}`, 422, "body.completed: completed is given more than once"},
		{"org, duplicate key", "POST", "/api/orgs", `{"name":"a","name":"b"}`, 422, "body.name: name is given more than once"},
		{"bulk delete, empty completed", "DELETE", tasks + "?completed=", "", 422, "query.completed: completed must have exactly one non-empty value"},
	} {
		var body any
		if c.body != "" {
			body = c.body
		}
		res := h.Do(c.method, c.path, body, tok, json)
		if got, want := res.Status, c.status; got != want {
			t.Errorf("%s: status %d, want %d: %s", c.name, got, want, res.Body)
			continue
		}
		var p struct {
			Detail string `json:"detail"`
			Errors []struct {
				Location string `json:"location"`
				Message  string `json:"message"`
				Value    any    `json:"value"`
			} `json:"errors"`
		}
		res.JSON(t, &p)
		if got, want := p.Detail, c.detail; got != want {
			t.Errorf("%s: detail %q, want %q", c.name, got, want)
		}
		if got, want := len(p.Errors), 1; got != want {
			t.Errorf("%s: %d errors, want %d: %s", c.name, got, want, res.Body)
			continue
		}
		if got, want := p.Errors[0].Location+": "+p.Errors[0].Message, c.detail; got != want {
			t.Errorf("%s: error %q, want %q", c.name, got, want)
		}
		if p.Errors[0].Value != nil {
			t.Errorf("%s: the error echoes the input: %s", c.name, res.Body)
		}
	}
}
