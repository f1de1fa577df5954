package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestRun checks that the generator writes what is committed: the document
// the server serves at SpecPath, byte for byte.
func TestRun(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "openapi.json")
	if err := run(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte(`"openapi":"3.0.`)) {
		t.Errorf("wrote %.100s..., want an OpenAPI 3.0 document", got)
	}
	committed, err := os.ReadFile("../../openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Errorf("client/openapi.json is not what the generator writes now; run:\n\tgo generate ./client")
	}
}
