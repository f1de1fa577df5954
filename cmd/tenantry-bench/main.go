// Command tenantry-bench is Tenantry's load benchmark: it seeds a data set,
// starts the server and a bare baseline server as child processes on
// loopback (or targets a running server), drives concurrent authenticated
// HTTP load for a fixed time per operation, and reports requests per second,
// latency quantiles, errors, each operation's ratio to the baseline, and the
// server's peak RSS, as a table and as JSON. Run it with
//
//	go run ./cmd/tenantry-bench -h
//
// and see docs/performance.md for what it measures and the latest numbers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(exitCode(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr), os.Stderr))
}

// exitCode is the process's exit status for run's error, which it prints
// unless the flag package already has: 0 for -h, 2 for a bad command line.
func exitCode(err error, stderr io.Writer) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, ErrUsage):
		return 2
	}
	fmt.Fprintln(stderr, "tenantry-bench:", err)
	return 1
}
