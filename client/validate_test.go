package client_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// checkAnswer fails unless the answer's status is one op declares, with the
// content type declared for it and a body that fits the declared schema.
func checkAnswer(t *testing.T, what string, doc *specDoc, op *specOp, res *http.Response, body []byte) {
	t.Helper()
	declared, ok := op.Responses[strconv.Itoa(res.StatusCode)]
	if !ok {
		t.Errorf("%s: status %d not declared (declared %v); body %.300s", what, res.StatusCode, op.statuses(), body)
		return
	}
	if len(declared.Content) == 0 {
		if len(body) != 0 {
			t.Errorf("%s: %d declares no content but has %.300s", what, res.StatusCode, body)
		}
		return
	}
	mt, _, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if err != nil {
		t.Errorf("%s: Content-Type %q: %v", what, res.Header.Get("Content-Type"), err)
		return
	}
	media, ok := declared.Content[mt]
	if !ok {
		t.Errorf("%s: %d answered %s, declared %v", what, res.StatusCode, mt, slices.Sorted(mapKeys(declared.Content)))
		return
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Errorf("%s: %d body is not JSON: %v", what, res.StatusCode, err)
		return
	}
	for _, e := range doc.validate(media.Schema, v, "body") {
		t.Errorf("%s: %d %s", what, res.StatusCode, e)
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// validate checks v against s for the parts of JSON Schema the document
// uses, and returns what does not fit.
func (d *specDoc) validate(s *specSchema, v any, at string) []string {
	if s == nil {
		return []string{at + ": no schema"}
	}
	if s.Ref != "" {
		name := strings.TrimPrefix(s.Ref, "#/components/schemas/")
		ref, ok := d.Components.Schemas[name]
		if !ok {
			return []string{at + ": unknown " + s.Ref}
		}
		return d.validate(ref, v, at)
	}
	if v == nil {
		if s.nullable() {
			return nil
		}
		return []string{at + ": null, not nullable"}
	}
	var errs []string
	bad := func(format string, args ...any) []string {
		return append(errs, at+": "+fmt.Sprintf(format, args...))
	}
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return e == v }) {
		return bad("%v not in %v", v, s.Enum)
	}
	switch {
	case s.is("object"):
		obj, ok := v.(map[string]any)
		if !ok {
			return bad("%T, want an object", v)
		}
		for _, r := range s.Required {
			if _, ok := obj[r]; !ok {
				errs = bad("required %q missing", r)
			}
		}
		for k, fv := range obj {
			p, ok := s.Properties[k]
			if !ok {
				if string(s.AdditionalProperties) == "false" {
					errs = bad("undeclared property %q", k)
				}
				continue
			}
			errs = append(errs, d.validate(p, fv, at+"."+k)...)
		}
	case s.is("array"):
		arr, ok := v.([]any)
		if !ok {
			return bad("%T, want an array", v)
		}
		for i, item := range arr {
			errs = append(errs, d.validate(s.Items, item, at+"["+strconv.Itoa(i)+"]")...)
		}
	case s.is("string"):
		str, ok := v.(string)
		if !ok {
			return bad("%T, want a string", v)
		}
		switch s.Format {
		case "date-time":
			ts, err := time.Parse(time.RFC3339Nano, str)
			if err != nil || !strings.HasSuffix(str, "Z") || ts.Location() != time.UTC {
				return bad("%q is not an RFC 3339 UTC time", str)
			}
		case "uuid":
			if _, err := uuid.Parse(str); err != nil || len(str) != 36 {
				return bad("%q is not a UUID", str)
			}
		}
	case s.is("integer"):
		n, ok := v.(float64)
		if !ok || n != float64(int64(n)) {
			return bad("%v, want an integer", v)
		}
	case s.is("boolean"):
		if _, ok := v.(bool); !ok {
			return bad("%T, want a boolean", v)
		}
	case s.is("number"):
		if _, ok := v.(float64); !ok {
			return bad("%T, want a number", v)
		}
	}
	return errs
}

// route is a documented operation.
type route struct {
	method string
	path   []string // segments of the template
	key    string
	op     *specOp
}

// routes lists the document's operations.
func (d *specDoc) routes() []route {
	var rs []route
	for key, op := range d.operations() {
		method, path, _ := strings.Cut(key, " ")
		rs = append(rs, route{method: method, path: strings.Split(path, "/"), key: key, op: op})
	}
	return rs
}

// findRoute is the operation that answers method and path. A parameter
// matches any one segment, except that "orgs" after /api is never a user id
// (the server routes /api/orgs/... to the organizations).
func findRoute(rs []route, method, path string) (route, bool) {
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	for _, r := range rs {
		if r.method != method || len(r.path) != len(segs) {
			continue
		}
		ok := true
		for i, p := range r.path {
			switch {
			case p == "{user_id}" && i == 2 && segs[i] == "orgs":
				ok = false
			case strings.HasPrefix(p, "{"):
				ok = ok && segs[i] != ""
			default:
				ok = ok && p == segs[i]
			}
		}
		if ok {
			return r, true
		}
	}
	return route{}, false
}

// checking is a transport that holds every answer to the document: the
// operation it reached must declare its status, and the body must fit the
// declared schema.
type checking struct {
	t      *testing.T
	doc    *specDoc
	routes []route
	next   http.RoundTripper
}

func (c *checking) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := c.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	what := req.Method + " " + req.URL.Path
	r, ok := findRoute(c.routes, req.Method, req.URL.Path)
	if !ok {
		c.t.Errorf("%s: no documented operation", what)
		return res, nil
	}
	checkAnswer(c.t, what+" ("+r.op.OperationID+")", c.doc, r.op, res, body)
	return res, nil
}
