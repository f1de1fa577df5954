//go:build !unix

package main

import (
	"testing"
	"time"
)

// processCPUSelf is not measured off Unix.
func processCPUSelf(tb testing.TB) time.Duration {
	tb.Helper()
	tb.Skip("no process CPU time off Unix")
	return 0
}
