package server

import (
	"strings"
	"testing"
)

func TestStrictJSON(t *testing.T) {
	fields := bodyFields{notNull: map[string]bool{"title": true, "completed": true}}
	closed := bodyFields{notNull: fields.notNull, known: map[string]bool{"title": true, "completed": true, "description": true}}
	for _, c := range []struct {
		name, body string
		want       string
	}{
		{"exact keys", `{"title":"a","completed":true,"description":null}`, ""},
		{"another case", `{"title":"a","Title":"b"}`, "body.Title: unexpected property"},
		{"upper case only", `{"TITLE":"a"}`, "body.TITLE: unexpected property"},
		{"long s", `{"title":"a","deſcription":"d"}`, "body.deſcription: unexpected property"},
		{"Kelvin sign", `{"title":"a","Key":"d"}`, "body.Key: unexpected property"},
		{"unknown", `{"title":"a","colour":"red"}`, "body.colour: unexpected property"},
		{"nested keys are not fields", `{"title":"a","description":null,"completed":true}`, ""},
		{"a long key is cut", `{"` + strings.Repeat("k", 500) + `":1}`, "body." + strings.Repeat("k", 64) + ": unexpected property"},
	} {
		got := ""
		if d := strictJSON([]byte(c.body), closed); d != nil {
			got = d.Location + ": " + d.Message
		}
		if got != c.want {
			t.Errorf("closed %s: %q, want %q", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		name, body string
		want       string // "location: message", or "" for no problem
	}{
		{"plain", `{"title":"a","completed":true,"description":"d"}`, ""},
		{"nullable null", `{"title":"a","description":null}`, ""},
		{"null completed", `{"title":"a","completed":null}`, "body.completed: completed must not be null"},
		{"null title first", `{"title":null,"title":"a"}`, "body.title: title must not be null"},
		{"duplicate", `{"title":"a","title":"b"}`, "body.title: title is given more than once"},
		{"duplicate with an escape", `{"title":"a","\u0074itle":"b"}`, "body.title: title is given more than once"},
		{"nested duplicate", `{"a":{"b":1,"c":[1,2],"b":2}}`, "body.a.b: b is given more than once"},
		{"duplicate in an array's object", `[{"x":1},{"x":1,"x":2}]`, "body[1].x: x is given more than once"},
		{"duplicate after a nested object", `{"a":{"x":1},"b":[],"a":2}`, "body.a: a is given more than once"},
		{"same key in sibling objects", `{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":2}]}`, ""},
		{"empty key once", `{"":1,"title":"a"}`, ""},
		{"empty key twice", `{"":1,"":2}`, "body.: the empty key is given more than once"},
		{"nested null is not a field", `{"a":{"completed":null},"b":[null]}`, ""},
		{"empty object and array", `{"a":{},"b":[]}`, ""},
		{"null body", `null`, ""},
		{"null-like literal: huma answers", `{"completed":nullx}`, ""},
		{"null with spaces", `{ "completed" :  null }`, "body.completed: completed must not be null"},
		{"many keys, one repeated", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"e":11}`, "body.e: e is given more than once"},
		{"many distinct keys", `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}`, ""},
		{"escaped quote in a key", `{"a\"b":1,"a\u0022b":2}`, "body.a\"b: a\"b is given more than once"},
		{"scalar body", `5`, ""},
		{"malformed: huma answers", `{"title":`, ""},
		{"trailing data: huma answers", `{"title":"a"} {"title":"a","title":"b"}`, ""},
		{"too deep: huma answers", strings.Repeat("[", 20000) + strings.Repeat("]", 20000), ""},
	} {
		got := ""
		if d := strictJSON([]byte(c.body), fields); d != nil {
			got = d.Location + ": " + d.Message
		}
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func BenchmarkStrictJSON(b *testing.B) {
	fields := bodyFields{notNull: map[string]bool{"title": true, "completed": true}}
	for _, c := range []struct{ name, body string }{
		{"task", `{"title":"Updated by the load benchmark","description":"changed","completed":true}`},
		{"deep", strings.Repeat("[", 1<<20)},
	} {
		b.Run(c.name, func(b *testing.B) {
			body := []byte(c.body)
			b.ReportAllocs()
			for b.Loop() {
				strictJSON(body, fields)
			}
		})
	}
}
