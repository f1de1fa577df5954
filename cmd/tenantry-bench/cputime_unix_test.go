//go:build unix

package main

import (
	"syscall"
	"testing"
	"time"
)

// processCPUSelf is this process's CPU time so far, user and system, to the
// microsecond (getrusage).
func processCPUSelf(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
