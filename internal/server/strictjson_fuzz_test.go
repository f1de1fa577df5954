package server

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
)

// FuzzStrictJSON holds strictJSON to a reference built on encoding/json's
// tokenizer: on every valid UTF-8 JSON text both find the same first
// problem (a key given twice at any depth, a key that is not a field, a
// null field that must not be), and a text strictJSON accepts still passes
// once decoded and encoded again. On any other text strictJSON must not
// panic and may only answer with a location in the body.
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{
		`{"title":"a","completed":true,"description":"d"}`,
		`{"title":"a","title":"b"}`,
		`{"title":"a","\u0074itle":"b"}`,
		`{"title":null}`,
		`{"TITLE":"a"}`,
		`{"de\u017fcription":"x"}`,
		`{"a":{"b":1,"b":2}}`,
		`[{"x":1},{"x":1,"x":2}]`,
		`{"a\"b":1,"a\u0022b":2}`,
		`{"":1,"":2}`,
		`null`, `5`, `"s"`, `[]`, `{}`,
		`{"title":`, `{"title":"a"} {"title":"b"}`,
		`{"description":null,"completed":false}`,
	} {
		f.Add([]byte(s))
	}
	fieldSets := []bodyFields{
		{notNull: map[string]bool{"title": true, "completed": true}},
		{notNull: map[string]bool{"title": true, "completed": true}, known: map[string]bool{"title": true, "completed": true, "description": true}},
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fields := range fieldSets {
			got := strictJSON(b, fields)
			if got != nil && (!strings.HasPrefix(got.Location, "body") || got.Message == "") {
				t.Fatalf("strictJSON(%q) = %q: %q", b, got.Location, got.Message)
			}
			if !json.Valid(b) || !utf8.Valid(b) || loneSurrogate(b) {
				continue // the body guard or the decoder refuses it first
			}
			want := referenceProblem(t, b, fields)
			if g := describe(got); g != want {
				t.Fatalf("strictJSON(%q) = %q, reference %q (fields %v)", b, g, want, fields.known != nil)
			}
			if got != nil {
				continue
			}
			// Numbers stay literals (UseNumber): 1E700 is valid JSON that
			// no float64 holds.
			var v any
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("json.Valid but Decode: %v", err)
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if d := strictJSON(again, fields); d != nil {
				t.Fatalf("accepted %q but not its re-encoding %q: %s", b, again, describe(d))
			}
		}
	})
}

// describe is a problem as the reference words it.
func describe(d *huma.ErrorDetail) string {
	if d == nil {
		return ""
	}
	return d.Location + ": " + d.Message
}

// referenceProblem walks b with encoding/json's Decoder and returns the
// first problem as strictJSON words it, or "".
func referenceProblem(t *testing.T, b []byte, fields bodyFields) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var walk func(path string, top bool) string
	walk = func(path string, top bool) string {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("Token on valid JSON: %v", err)
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					t.Fatal(err)
				}
				key := kt.(string)
				if seen[key] {
					name := key
					if name == "" {
						name = "the empty key"
					}
					return path + "." + truncate(key) + ": " + truncate(name) + " is given more than once"
				}
				seen[key] = true
				if top && fields.known != nil && !fields.known[key] {
					return "body." + truncate(key) + ": unexpected property"
				}
				if top && fields.notNull[key] {
					if raw := peekNull(dec, b); raw {
						return "body." + key + ": " + key + " must not be null"
					}
				}
				if p := walk(path+"."+key, false); p != "" {
					return p
				}
			}
			dec.Token() // '}'
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if p := walk(path+"["+strconv.Itoa(i)+"]", false); p != "" {
					return p
				}
			}
			dec.Token() // ']'
		}
		return ""
	}
	return walk("body", true)
}

// peekNull reports whether the next value in dec is the literal null.
func peekNull(dec *json.Decoder, b []byte) bool {
	rest := b[dec.InputOffset():]
	rest = bytes.TrimLeft(rest, " \t\r\n:")
	return bytes.HasPrefix(rest, []byte("null"))
}
