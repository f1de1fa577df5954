package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
)

// fuzzHarness is an API over a fresh SQLite store, for a fuzz target.
func fuzzHarness(f *testing.F) *authztest.Harness {
	f.Helper()
	db := sqlitetest.MustOpen(f)
	return authztest.NewHarness(f, db)
}

// fuzzDo sends a request to h's handler. (Harness.Do reports to the
// Harness's own testing.TB, which inside a fuzz target is the F.)
// A query is set as is: it need not parse.
func fuzzDo(h *authztest.Harness, method, path, rawQuery, ctype string, body []byte, tok string) *authztest.Response {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	req.URL.RawQuery = rawQuery
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	h.Handler.ServeHTTP(rec, req)
	return &authztest.Response{Status: rec.Code, Header: rec.Result().Header, Body: rec.Body.Bytes()}
}

// FuzzBodyGuard sends any body to POST /api/{user_id}/tasks. It is never a
// 5xx; a refusal is a problem; and a task created holds exactly what the
// body says under the exact keys, as a case-sensitive decoder reads it (a
// "Title" or "deſcription" that filled a field would show here).
func FuzzBodyGuard(f *testing.F) {
	h := fuzzHarness(f)
	u := h.NewUser("fuzz@example.com")
	tok := h.Token(u)
	tasks := "/api/" + u.ID.String() + "/tasks"
	for _, s := range []string{
		`{"title":"a"}`,
		`{"title":"a","description":"d","completed":true}`,
		`{"title":"a","description":null}`,
		`{"title":"a","Title":"b"}`,
		`{"TITLE":"a"}`,
		`{"title":"a","de\u017fcription":"x"}`,
		`{"title":"a","title":"b"}`,
		`{"title":"a","completed":null}`,
		`{"title":"a\u0000"}`,
		`{"title":"\ud800"}`,
		`{"title":"a","completed":1e999}`,
		`[` + strings.Repeat("[", 100),
		`{"title":"a"} x`,
	} {
		f.Add([]byte(s), "application/json")
	}
	f.Add([]byte(`{"title":"a","title":"b"}`), "application/json;x")
	f.Add([]byte(`{"title":"a"}`), "text/plain")
	f.Add([]byte(`{"title":"a"}`), "")
	f.Fuzz(func(t *testing.T, body []byte, ctype string) {
		res := fuzzDo(h, "POST", tasks, "", ctype, body, tok)
		if res.Status >= 500 {
			t.Fatalf("%q (%q): status %d: %s", body, ctype, res.Status, res.Body)
		}
		if res.Status != 201 {
			if ct := res.Header.Get("Content-Type"); res.Status < 400 || ct != "application/problem+json" {
				t.Fatalf("%q (%q): status %d %q: %s", body, ctype, res.Status, ct, res.Body)
			}
			return
		}
		var sent map[string]any
		if err := json.Unmarshal(body, &sent); err != nil {
			t.Fatalf("%q created a task but is no JSON object: %v", body, err)
		}
		var got struct {
			ID          string  `json:"id"`
			Title       string  `json:"title"`
			Description *string `json:"description"`
			Completed   bool    `json:"completed"`
		}
		res.JSON(t, &got)
		want := map[string]any{"title": got.Title}
		if got.Description != nil {
			want["description"] = *got.Description
		}
		if got.Completed {
			want["completed"] = true
		}
		// What the body gave, less what means the same as absent.
		given := map[string]any{}
		for k, v := range sent {
			if v == nil || v == false {
				continue
			}
			given[k] = v
		}
		if !reflect.DeepEqual(given, want) {
			t.Fatalf("body %q made the task %+v", body, got)
		}
		fuzzDo(h, "DELETE", tasks+"/"+got.ID, "", "", nil, tok)
	})
}

// linkPattern is the Link header of a full page.
var linkPattern = regexp.MustCompile(`^<(/api/[^?>]+/tasks)\?([^>]*)>; rel="next"$`)

// FuzzListCursor lists a user's tasks with any query. It is never a 5xx; a
// full page's Link names the path canonically and a canonical cursor,
// keeps the query's limit and filter, and leads to a page that starts
// after this one.
func FuzzListCursor(f *testing.F) {
	h := fuzzHarness(f)
	u := h.NewUser("cursor@example.com")
	tok := h.Token(u)
	var ids []uuid.UUID
	for i := range 5 {
		err := h.Store.Update(context.Background(), u.ID, u.ID, func(tx tenantry.TenantAccess) error {
			task, err := tx.CreateTask(context.Background(), tenantry.NewTask{Title: "t", Completed: i%2 == 0})
			ids = append(ids, task.ID)
			return err
		})
		if err != nil {
			f.Fatal(err)
		}
	}
	for _, q := range []string{"", "limit=1", "limit=2&completed=true", "after=" + ids[1].String(), "after=" + strings.ToUpper(ids[0].String()),
		"after={" + ids[0].String() + "}", "after=urn:uuid:" + ids[0].String(), "after=" + strings.ReplaceAll(ids[0].String(), "-", ""),
		"limit=0", "limit=101", "after=", "completed=", "limit=1&limit=2", "after=x", "completed=maybe"} {
		f.Add(q)
	}
	base := "/api/" + u.ID.String() + "/tasks"
	f.Fuzz(func(t *testing.T, rawQuery string) {
		res := fuzzDo(h, "GET", base, rawQuery, "", nil, tok)
		if res.Status >= 500 {
			t.Fatalf("?%s: status %d: %s", rawQuery, res.Status, res.Body)
		}
		if res.Status != 200 {
			return
		}
		var page []struct{ ID uuid.UUID }
		res.JSON(t, &page)
		link := res.Header.Get("Link")
		if link == "" {
			return
		}
		m := linkPattern.FindStringSubmatch(link)
		if m == nil || m[1] != base {
			t.Fatalf("?%s: Link %q", rawQuery, link)
		}
		next, err := url.ParseQuery(m[2])
		if err != nil {
			t.Fatalf("?%s: Link %q: %v", rawQuery, link, err)
		}
		after, err := uuid.Parse(next.Get("after"))
		if err != nil || after.String() != next.Get("after") || len(page) == 0 || after != page[len(page)-1].ID {
			t.Fatalf("?%s: Link %q: the cursor is not the last task's id", rawQuery, link)
		}
		asked, _ := url.ParseQuery(rawQuery)
		if c := asked.Get("completed"); c != next.Get("completed") {
			t.Fatalf("?%s: Link %q drops or changes completed", rawQuery, link)
		}
		res2 := fuzzDo(h, "GET", base, m[2], "", nil, tok)
		if res2.Status != 200 {
			t.Fatalf("?%s: following Link %q: %d %s", rawQuery, link, res2.Status, res2.Body)
		}
		var page2 []struct{ ID uuid.UUID }
		res2.JSON(t, &page2)
		for _, a := range page {
			for _, b := range page2 {
				if a.ID == b.ID {
					t.Fatalf("?%s: task %s is on this page and the next", rawQuery, a.ID)
				}
			}
		}
	})
}
