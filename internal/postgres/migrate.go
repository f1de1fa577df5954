package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the embedded migration files, for tools that need to
// know the schema version (test templates are keyed by their hash).
func Migrations() fs.FS {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the directory is embedded: it always exists
	}
	return files
}

// appTables are the tables the application role reads and writes.
func appTables() []string {
	return []string{"users", "tenants", "memberships", "tasks", "sessions", "revoked_tokens", "invitations", "api_tokens", "totp", "recovery_codes", "idempotency_keys"}
}

// appAppendOnlyTables are the tables the application role only adds to and
// reads: it may not change or delete what they record.
func appAppendOnlyTables() []string {
	return []string{"audit_entries"}
}

// contextFunctions are the context functions the application role calls.
func contextFunctions() []string {
	return []string{
		"tenant_context(uuid, uuid)",
		"user_context(uuid)",
		"create_tenant(uuid, uuid, text, text, timestamptz)",
		"accept_invitation(uuid, uuid, bytea, timestamptz)",
		"prune_audit(timestamptz)",
		"audit_denied(uuid, uuid, timestamptz, uuid, text, text, text, text, jsonb)",
		"purge_idempotency_keys(timestamptz)",
		"api_token_use(bytea, timestamptz, timestamptz)",
	}
}

// Migrate connects to ownerURL as the role that owns the schema, applies the
// embedded migrations, then creates the application role appRole if it does
// not exist (LOGIN, NOSUPERUSER, NOBYPASSRLS, no password: set one with
// ALTER ROLE, or use trust or certificate authentication) and grants it what
// it needs in this database and nothing more: USAGE on the schema (no
// CREATE), SELECT, INSERT, UPDATE and DELETE on the tables, and EXECUTE on
// the context functions. An existing appRole is checked, not altered: Migrate
// fails if it is a superuser, has BYPASSRLS or is the owner itself.
func Migrate(ctx context.Context, ownerURL, appRole string) error {
	if appRole == "" {
		return errors.New("postgres: migrate: the application role name is empty")
	}
	cfg, err := pgx.ParseConfig(ownerURL)
	if err != nil {
		return fmt.Errorf("postgres: migrate: parse owner URL: %w", err)
	}
	sqlDB := stdlib.OpenDB(*cfg)
	defer sqlDB.Close()
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, Migrations())
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "42501" /* insufficient_privilege */ {
			return fmt.Errorf("postgres: migrate: connected as role %q, which may not change the schema; "+
				"connect as the role that owns the tables (the owner role), not the application role: %w", cfg.User, err)
		}
		return fmt.Errorf("postgres: migrate: %w", err)
	}

	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("postgres: migrate: connect as owner: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := ensureAppRole(ctx, conn, appRole); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	citus, err := isCitus(ctx, conn)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	if citus {
		if err := distribute(ctx, conn); err != nil {
			return fmt.Errorf("postgres: migrate: %w", err)
		}
		if err := setPropagation(ctx, conn); err != nil {
			return fmt.Errorf("postgres: migrate: set citus.propagate_set_commands for the database (its owner or a superuser may): %w", err)
		}
	}
	if err := grantAppRole(ctx, conn, appRole); err != nil {
		return fmt.Errorf("postgres: migrate: grant to %s: %w", appRole, err)
	}
	return nil
}

// ensureAppRole creates the application role, or checks the one that exists.
// Roles belong to the whole cluster, so tests that migrate several databases
// at once race to create it: losing the race is not an error.
func ensureAppRole(ctx context.Context, conn *pgx.Conn, appRole string) error {
	ident := pgx.Identifier{appRole}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", appRole).Scan(&exists); err != nil {
		return fmt.Errorf("check role %s: %w", appRole, err)
	}
	// An owner without CREATEROLE can still migrate when an administrator
	// made the application role beforehand.
	if !exists {
		_, err := conn.Exec(ctx, "CREATE ROLE "+ident+" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT")
		var pgErr *pgconn.PgError
		if err != nil && !(errors.As(err, &pgErr) &&
			(pgErr.Code == "42710" /* duplicate_object */ || pgErr.Code == "23505" /* unique_violation: concurrent CREATE ROLE */)) {
			return fmt.Errorf("create role %s (create it as an administrator, or give the owner CREATEROLE): %w", appRole, err)
		}
	}
	var super, bypass, isOwner bool
	err := conn.QueryRow(ctx, `
		SELECT rolsuper, rolbypassrls, pg_has_role($1, current_user, 'MEMBER')
		FROM pg_roles WHERE rolname = $1`, appRole).Scan(&super, &bypass, &isOwner)
	if err != nil {
		return fmt.Errorf("check role %s: %w", appRole, err)
	}
	switch {
	case super:
		return fmt.Errorf("application role %s is a superuser and would bypass row-level security; "+
			"choose another role name, or run ALTER ROLE %s NOSUPERUSER", appRole, ident)
	case bypass:
		return fmt.Errorf("application role %s has BYPASSRLS; run ALTER ROLE %s NOBYPASSRLS", appRole, ident)
	case isOwner:
		return fmt.Errorf("application role %s is the owner role (or a member of it); "+
			"the application must connect as a role that owns nothing", appRole)
	}
	return nil
}

// grantAppRole grants the application role what it needs in this database.
func grantAppRole(ctx context.Context, conn *pgx.Conn, appRole string) error {
	ident := pgx.Identifier{appRole}.Sanitize()
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return err
	}
	schemaIdent := pgx.Identifier{schema}.Sanitize()
	stmts := []string{
		"GRANT USAGE ON SCHEMA " + schemaIdent + " TO " + ident,
		// PostgreSQL 15 no longer lets PUBLIC create in the public schema;
		// older databases and hand-made grants might.
		"REVOKE CREATE ON SCHEMA " + schemaIdent + " FROM PUBLIC",
		"REVOKE CREATE ON SCHEMA " + schemaIdent + " FROM " + ident,
	}
	for _, table := range appTables() {
		stmts = append(stmts, "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "+
			pgx.Identifier{schema, table}.Sanitize()+" TO "+ident)
	}
	for _, table := range appAppendOnlyTables() {
		stmts = append(stmts, "GRANT SELECT, INSERT ON TABLE "+
			pgx.Identifier{schema, table}.Sanitize()+" TO "+ident)
	}
	for _, fn := range contextFunctions() {
		stmts = append(stmts, "GRANT EXECUTE ON FUNCTION "+schemaIdent+"."+fn+" TO "+ident)
	}
	for _, stmt := range stmts {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
