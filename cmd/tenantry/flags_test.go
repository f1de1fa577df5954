package main

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestFlagsNumbers: numbers and durations are parsed strictly from the
// command line and from the environment, and a bad one names what was used
// and what is accepted.
func TestFlagsNumbers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string // in the error; none: no error
	}{
		{"good", map[string]string{"T_N": "7", "T_D": "90s"}, nil, nil},
		{"flag wins", map[string]string{"T_N": "oops"}, []string{"-n", "3"}, nil},
		{"int flag", nil, []string{"-n", "3x"}, []string{"-n", "whole number"}},
		{"negative int flag", nil, []string{"-n=-1"}, []string{"-n", "0 or more"}},
		{"int variable", map[string]string{"T_N": "1e3"}, nil, []string{"T_N", "whole number"}},
		{"int variable with spaces", map[string]string{"T_N": " 5"}, nil, []string{"T_N"}},
		{"duration flag", nil, []string{"-d", "30"}, []string{"-d", "30s, 5m"}},
		{"duration variable", map[string]string{"T_D": "soon"}, nil, []string{"T_D", "30s, 5m"}},
		{"negative duration variable", map[string]string{"T_D": "-1s"}, nil, []string{"T_D", "0 or more"}},
		{"both variables", map[string]string{"T_N": "x", "T_D": "y"}, nil, []string{"T_N", "T_D"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := newFlags("test", func(k string) string { return tc.env[k] })
			fs.SetOutput(io.Discard)
			n := fs.int("n", "T_N", 1, "a `number`")
			d := fs.duration("d", "T_D", time.Second, "a `duration`")
			err := fs.parse(tc.args)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				if tc.name == "good" && (*n != 7 || *d != 90*time.Second) {
					t.Errorf("n, d = %d, %v; want 7, 90s", *n, *d)
				}
				if tc.name == "flag wins" && *n != 3 {
					t.Errorf("n = %d, want the flag's 3", *n)
				}
				return
			}
			if err == nil {
				t.Fatalf("parse accepted %v %v (n=%d, d=%v)", tc.args, tc.env, *n, *d)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			// A flag's error was printed by the flag package; a variable's was not.
			if fromFlag := len(tc.args) > 0; errors.As(err, new(shownError)) != fromFlag {
				t.Errorf("error %v: shown = %v, want %v", err, !fromFlag, fromFlag)
			}
		})
	}
}
