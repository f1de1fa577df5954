// Command tenantry-bench is Tenantry's load benchmark. Run it with
//
//	go run ./cmd/tenantry-bench -h
//
// and see docs/performance.md for what it measures and the latest numbers.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tenantry/tenantry/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench.Main(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "tenantry-bench:", err)
		os.Exit(1)
	}
}
