// Command tenantry runs the Tenantry multi-tenant task service.
//
//	tenantry serve     start the HTTP API
//	tenantry migrate   apply the database migrations
//	tenantry version   print the version this binary was built from
//
// Run "tenantry -h" for every flag and environment variable.
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
	if err := run(ctx, os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		if errors.As(err, new(shownError)) {
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "tenantry: %s\n", message(err))
		os.Exit(1)
	}
}

const usage = `Tenantry: a multi-tenant task service.

Usage:
  tenantry serve   [flags]   start the HTTP API
  tenantry migrate [flags]   apply the embedded database migrations
  tenantry version           print the version, commit and Go release
  tenantry help              show this text

Run "tenantry serve -h" or "tenantry migrate -h" for the flags of each.

The database is chosen by -db (or TENANTRY_DB): a file path selects the
embedded SQLite database (default "tenantry.db"); a postgres:// URL selects
PostgreSQL, and so does a keyword/value string ("host=db user=app
dbname=tenantry").
`

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	switch cmd, rest := args[1], args[2:]; cmd {
	case "serve":
		return runServe(ctx, rest, getenv, stdout, stderr)
	case "migrate":
		return runMigrate(ctx, rest, getenv, stdout, stderr)
	case "version", "-version", "--version":
		return runVersion(stdout)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
