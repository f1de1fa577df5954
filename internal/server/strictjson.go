package server

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/danielgtaylor/huma/v2"
)

// strictJSON returns, as a 422 detail, the first thing in the JSON text b
// that encoding/json and huma accept but a client cannot have meant
// unambiguously: a key given twice at any depth, null for a field that is
// not nullable, a top-level key that is not exactly a field's name. Text
// that does not parse is huma's to refuse. It reads b once, in linear time;
// why it is not encoding/json's tokenizer or jsontext: docs/design.md,
// "Answers".
func strictJSON(b []byte, fields bodyFields) *huma.ErrorDetail {
	sc := jsonScanner{b: b, fields: fields}
	d, _ := sc.value(nil, 0)
	return d
}

// jsonScanner reads one JSON value. Its methods return ok false when the
// text is malformed, and stop.
type jsonScanner struct {
	b      []byte
	i      int
	fields bodyFields
}

// bodyFields are the top-level fields of a JSON request body.
type bodyFields struct {
	// notNull holds the fields that must not be null.
	notNull map[string]bool
	// known holds every field, when no other key is allowed; nil allows
	// any key.
	known map[string]bool
}

// jsonPath is where a value sits, built into a location only for an error.
type jsonPath struct {
	parent *jsonPath
	key    string
	index  int // -1 for an object's member
}

func (p *jsonPath) String() string {
	if p == nil {
		return "body"
	}
	if p.index >= 0 {
		return p.parent.String() + "[" + strconv.Itoa(p.index) + "]"
	}
	return p.parent.String() + "." + p.key
}

func (s *jsonScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) value(at *jsonPath, depth int) (*huma.ErrorDetail, bool) {
	if depth > maxJSONDepth {
		return nil, false
	}
	s.skipSpace()
	if s.i >= len(s.b) {
		return nil, false
	}
	switch c := s.b[s.i]; c {
	case '{':
		return s.object(at, depth)
	case '[':
		s.i++
		for n := 0; ; n++ {
			s.skipSpace()
			if n == 0 && s.i < len(s.b) && s.b[s.i] == ']' {
				s.i++
				return nil, true
			}
			if d, ok := s.value(&jsonPath{parent: at, index: n}, depth+1); d != nil || !ok {
				return d, ok
			}
			if more, ok := s.after(']'); !more {
				return nil, ok
			}
		}
	case '"':
		_, ok := s.str()
		return nil, ok
	default:
		// A number or a literal: its end is the next delimiter. Whether it
		// is well formed is the decoder's to say.
		start := s.i
		for s.i < len(s.b) && !isDelim(s.b[s.i]) {
			s.i++
		}
		return nil, s.i > start
	}
}

// object reads an object whose '{' is at s.i.
func (s *jsonScanner) object(at *jsonPath, depth int) (*huma.ErrorDetail, bool) {
	s.i++
	var (
		few  [8]string // the keys so far, while there are few
		keys = few[:0]
		many map[string]struct{}
	)
	for n := 0; ; n++ {
		s.skipSpace()
		if n == 0 && s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return nil, true
		}
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return nil, false
		}
		key, ok := s.str()
		if !ok {
			return nil, false
		}
		dup := false
		if many != nil {
			_, dup = many[key]
			many[key] = struct{}{}
		} else {
			dup = slices.Contains(keys, key)
			if keys = append(keys, key); len(keys) > len(few) {
				many = make(map[string]struct{}, 2*len(keys))
				for _, k := range keys {
					many[k] = struct{}{}
				}
			}
		}
		if dup {
			name := key
			if name == "" {
				name = "the empty key"
			}
			return &huma.ErrorDetail{Location: at.String() + "." + truncate(key), Message: truncate(name) + " is given more than once"}, true
		}
		if at == nil && s.fields.known != nil && !s.fields.known[key] {
			return &huma.ErrorDetail{Location: "body." + truncate(key), Message: "unexpected property"}, true
		}
		s.skipSpace()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return nil, false
		}
		s.i++
		s.skipSpace()
		if at == nil && s.fields.notNull[key] && s.null() {
			return &huma.ErrorDetail{Location: "body." + key, Message: key + " must not be null"}, true
		}
		if d, ok := s.value(&jsonPath{parent: at, key: key, index: -1}, depth+1); d != nil || !ok {
			return d, ok
		}
		if more, ok := s.after('}'); !more {
			return nil, ok
		}
	}
}

// after reads what follows an element of an array or object that end
// closes: more is true after a comma, ok is true after a comma or end and
// false on anything else.
func (s *jsonScanner) after(end byte) (more, ok bool) {
	s.skipSpace()
	if s.i >= len(s.b) {
		return false, false
	}
	s.i++
	switch s.b[s.i-1] {
	case ',':
		return true, true
	case end:
		return false, true
	}
	return false, false
}

// null reports whether the literal null is at s.i.
func (s *jsonScanner) null() bool {
	rest, ok := bytes.CutPrefix(s.b[s.i:], []byte("null"))
	return ok && (len(rest) == 0 || isDelim(rest[0]))
}

// isDelim reports whether c ends a number or a literal.
func isDelim(c byte) bool { return strings.IndexByte(" \t\n\r,:]}[{\"", c) >= 0 }

// str reads a string whose '"' is at s.i and returns its value.
func (s *jsonScanner) str() (string, bool) {
	start := s.i
	s.i++
	escaped := false
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			escaped = true
			s.i += 2
			continue
		case '"':
			s.i++
			raw := s.b[start:s.i]
			if !escaped {
				return string(raw[1 : len(raw)-1]), true
			}
			var v string
			if json.Unmarshal(raw, &v) != nil {
				return "", false
			}
			return v, true
		}
		s.i++
	}
	return "", false
}

// maxJSONDepth is where strictJSON stops looking, as encoding/json refuses
// text nested deeper than 10,000 levels.
const maxJSONDepth = 10000

// fieldsOf returns, per operation, the top-level fields of its JSON request
// body, read from the OpenAPI document once.
type fieldsOf struct {
	api huma.API
	m   sync.Map // *huma.Operation → bodyFields
}

func (n *fieldsOf) of(op *huma.Operation) bodyFields {
	if v, ok := n.m.Load(op); ok {
		return v.(bodyFields)
	}
	f := bodyFields{notNull: map[string]bool{}}
	if op.RequestBody != nil {
		if mt := op.RequestBody.Content["application/json"]; mt != nil && mt.Schema != nil {
			s := mt.Schema
			if s.Ref != "" {
				s = n.api.OpenAPI().Components.Schemas.SchemaFromRef(s.Ref)
			}
			if s != nil {
				if closed, ok := s.AdditionalProperties.(bool); ok && !closed {
					f.known = map[string]bool{}
				}
				for name, p := range s.Properties {
					if p != nil && !p.Nullable {
						f.notNull[name] = true
					}
					if f.known != nil {
						f.known[name] = true
					}
				}
			}
		}
	}
	n.m.Store(op, f)
	return f
}
