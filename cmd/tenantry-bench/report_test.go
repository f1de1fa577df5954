package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestTargetsNeverRoundUpToTheTarget: a ratio just under the target is
// printed under it, and the verdict agrees with the number printed.
func TestTargetsNeverRoundUpToTheTarget(t *testing.T) {
	for _, c := range []struct {
		ratio float64
		want  string
	}{
		{0.7997, "get-by-id 0.799 of baseline (>= 0.80: NOT met)"},
		{0.80, "get-by-id 0.800 of baseline (>= 0.80: met)"},
		{0.8049, "get-by-id 0.804 of baseline (>= 0.80: met)"},
		{0.5, "get-by-id 0.500 of baseline (>= 0.80: NOT met)"},
	} {
		var buf bytes.Buffer
		printTargets(&buf, DBRun{Ops: []OpResult{{Op: OpGet, Ratio: c.ratio, Baseline: &Measurement{RPS: 1}}}})
		if !strings.Contains(buf.String(), c.want) {
			t.Errorf("ratio %v: %q, want it to contain %q", c.ratio, buf.String(), c.want)
		}
	}
}
