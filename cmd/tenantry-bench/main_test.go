package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestExitCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		code int
		once string // printed exactly once
	}{
		{[]string{"-h"}, 0, "Usage: go run ./cmd/tenantry-bench"},
		{[]string{"-nope"}, 2, "flag provided but not defined: -nope"},
		{[]string{"-db", "mysql"}, 1, `-db must be sqlite, postgres or both, not "mysql"`},
	} {
		var stderr bytes.Buffer
		err := run(context.Background(), tc.args, func(string) string { return "" }, strings.NewReader(""), &bytes.Buffer{}, &stderr)
		if got := exitCode(err, &stderr); got != tc.code {
			t.Errorf("%v: exit %d, want %d (%v)", tc.args, got, tc.code, err)
		}
		if n := strings.Count(stderr.String(), tc.once); n != 1 {
			t.Errorf("%v: %q printed %d times:\n%s", tc.args, tc.once, n, stderr.String())
		}
	}
}
