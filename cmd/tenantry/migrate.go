package main

import (
	"context"
	"fmt"
	"io"

	"github.com/tenantry/tenantry/internal/database"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/sqlite"
)

const migrateUsage = `Usage: tenantry migrate [flags]

Applies the embedded migrations. For PostgreSQL, connect as the role that
owns the tables (not the role "serve" uses); migrate also creates the
application role if it is missing and grants it exactly what it needs.

Flags (each also read from the environment variable shown):
`

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", getenv)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(fs.Output(), migrateUsage); fs.PrintDefaults() }
	db := fs.string("db", "TENANTRY_DB", "tenantry.db", "`database`: a SQLite file path, or a postgres:// URL or keyword string of the owner role")
	appRole := fs.string("app-role", "TENANTRY_APP_ROLE", "tenantry_app", "PostgreSQL only: the `role` \"serve\" connects as")
	if err := fs.parse(args); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := checkDB(fs.source("db"), *db); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if database.IsPostgres(*db) {
		if err := postgres.Migrate(ctx, *db, *appRole); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		fmt.Fprintf(stdout, "migrated %s; application role %q is ready\n", database.Redact(*db), *appRole)
		return nil
	}
	if err := sqlite.Migrate(ctx, *db); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	fmt.Fprintf(stdout, "migrated %s\n", *db)
	return nil
}
