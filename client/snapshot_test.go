package client_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/client"
)

// regenerate is the one command that brings openapi.json and the generated
// client up to date with the server.
const regenerate = "go generate ./client"

// TestSnapshotIsCurrent fails when the committed openapi.json, from which
// client.gen.go is generated, is not what the server serves now.
func TestSnapshotIsCurrent(t *testing.T) {
	t.Parallel()
	srv := mustServer(t)
	served := fetch(t, srv, "/openapi-3.0.json")
	committed := readFile(t, "openapi.json")
	if !bytes.Equal(served, committed) {
		t.Fatalf("client/openapi.json differs from the document the server serves at /openapi-3.0.json "+
			"(%d bytes committed, %d served); regenerate the snapshot and the client with:\n\t%s",
			len(committed), len(served), regenerate)
	}
}

// TestClientIsCurrent fails when client.gen.go was not regenerated after
// openapi.json changed: every operation of the snapshot must have its
// method on the client and a typed field for each status with content,
// and the client must have no method for an operation the snapshot lacks.
func TestClientIsCurrent(t *testing.T) {
	t.Parallel()
	doc := parseSpec(t, readFile(t, "openapi.json"))
	typ := reflect.TypeFor[*client.ClientWithResponses]()
	want := map[string]bool{}
	for key, op := range doc.operations() {
		name := strings.ToUpper(op.OperationID[:1]) + op.OperationID[1:]
		want[name] = true
		if _, ok := typ.MethodByName(name + "WithResponse"); !ok {
			if _, ok := typ.MethodByName(name + "WithFormdataBodyWithResponse"); !ok {
				t.Errorf("%s: client has no method %sWithResponse; regenerate with:\n\t%s", key, name, regenerate)
				continue
			}
		}
		rt, ok := responseType(typ, name)
		if !ok {
			t.Errorf("%s: no response type %sResponse; regenerate with:\n\t%s", key, name, regenerate)
			continue
		}
		for st, r := range op.Responses {
			for ct := range r.Content {
				field := "JSON" + st
				if ct == problemJSON {
					field = "ApplicationproblemJSON" + st
				}
				if _, ok := rt.FieldByName(field); !ok {
					t.Errorf("%s: %s has no field %s for %s %s; regenerate with:\n\t%s", key, rt.Name(), field, st, ct, regenerate)
				}
			}
		}
	}
	for m := range typ.Methods() {
		name, ok := strings.CutSuffix(m.Name, "WithResponse")
		if !ok {
			continue
		}
		name = strings.TrimSuffix(strings.TrimSuffix(name, "WithBody"), "WithFormdataBody")
		if !want[name] {
			t.Errorf("client method %s has no operation in openapi.json; regenerate with:\n\t%s", m.Name, regenerate)
		}
	}
}

// responseType is the struct that the client's method for an operation
// returns.
func responseType(typ reflect.Type, name string) (reflect.Type, bool) {
	m, ok := typ.MethodByName(name + "WithResponse")
	if !ok {
		m, ok = typ.MethodByName(name + "WithFormdataBodyWithResponse")
	}
	if !ok || m.Type.NumOut() != 2 || m.Type.Out(0).Kind() != reflect.Pointer {
		return nil, false
	}
	return m.Type.Out(0).Elem(), true
}
