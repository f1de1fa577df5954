package apiclient_test

import (
	"bytes"
	"testing"
)

// regenerate is the one command that brings openapi.json and the generated
// client up to date with the server.
const regenerate = "go generate ./internal/apiclient"

// TestSnapshotIsCurrent fails when the committed openapi.json, from which
// client.gen.go is generated, is not what the server serves now.
func TestSnapshotIsCurrent(t *testing.T) {
	t.Parallel()
	srv := mustServer(t)
	served := fetch(t, srv, "/openapi-3.0.json")
	committed := readFile(t, "openapi.json")
	if !bytes.Equal(served, committed) {
		t.Fatalf("internal/apiclient/openapi.json differs from the document the server serves at /openapi-3.0.json "+
			"(%d bytes committed, %d served); regenerate the snapshot and the client with:\n\t%s",
			len(committed), len(served), regenerate)
	}
}
