package main

import (
	"context"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestServeCitus runs the end-to-end lifecycle on Citus: "migrate" as the
// owner distributes the tables, and "serve" as the application role refuses
// to start while citus.propagate_set_commands is not local for it, with the
// fix in the message. TENANTRY_TEST_CITUS names a coordinator's database
// and a superuser; the test empties that database first, so the Citus
// tests of different packages must not run at the same time (go test -p 1).
func TestServeCitus(t *testing.T) {
	owner := os.Getenv("TENANTRY_TEST_CITUS")
	if owner == "" {
		t.Skip("TENANTRY_TEST_CITUS is not set: skipping the end-to-end test on Citus (scripts/citus-local.sh)")
	}
	const appRole = "tenantry_e2e_citus_app"
	ctx := context.Background()
	if err := run(ctx, []string{"tenantry", "migrate", "-db", owner, "-app-role", appRole},
		func(string) string { return "" }, nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	conn, err := pgx.Connect(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var distributed int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_dist_partition
		WHERE logicalrelid IN ('tenants'::regclass, 'memberships'::regclass, 'tasks'::regclass) AND partmethod = 'h'`).
		Scan(&distributed); err != nil || distributed != 3 {
		t.Fatalf("distributed tenant tables: %d, %v; want 3", distributed, err)
	}
	if _, err := conn.Exec(ctx, `TRUNCATE tasks, memberships, tenants, sessions, revoked_tokens, users CASCADE`); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(owner)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User(appRole)
	env := map[string]string{"TENANTRY_SECRET": strings.Repeat("s", 40)}

	var db string
	if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		t.Fatal(err)
	}
	setting := func(v string) {
		t.Helper()
		if _, err := conn.Exec(ctx, "ALTER ROLE "+appRole+" IN DATABASE "+pgx.Identifier{db}.Sanitize()+
			" SET citus.propagate_set_commands = "+v); err != nil {
			t.Fatal(err)
		}
	}
	setting("none")
	err = run(ctx, []string{"tenantry", "serve", "-addr", "127.0.0.1:0", "-db", u.String()},
		func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "citus.propagate_set_commands") ||
		!strings.Contains(err.Error(), "SET citus.propagate_set_commands = local") {
		t.Errorf("serve with citus.propagate_set_commands = none: err = %v, want a refusal with the fix", err)
	}
	setting("local")

	base, logs := startServe(t, u.String(), env)
	lifecycle(t, base, logs)
	orgLifecycle(t, base)
}

// TestMigrateAsDatabaseOwnerOnCitus follows the README's setup on Citus
// (postgrestest.OwnedCitusDatabase): "migrate" as a database's owner that is
// neither a superuser nor CREATEROLE must distribute the tables and give the
// application role citus.propagate_set_commands = local (a role's setting
// in a database needs CREATEROLE; the database's own default, its owner may
// set), and "serve" as the application role must then run the whole
// lifecycle.
func TestMigrateAsDatabaseOwnerOnCitus(t *testing.T) {
	d := postgrestest.OwnedCitusDatabase(t) // skips without TENANTRY_TEST_CITUS
	ctx := context.Background()
	if err := run(ctx, []string{"tenantry", "migrate", "-db", d.OwnerURL, "-app-role", d.AppRole},
		func(string) string { return "" }, nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate as the database's owner: %v", err)
	}
	var setting string
	app, err := pgx.Connect(ctx, d.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	err = app.QueryRow(ctx, `SELECT current_setting('citus.propagate_set_commands')`).Scan(&setting)
	app.Close(ctx)
	if err != nil || setting != "local" {
		t.Fatalf("citus.propagate_set_commands for %s: %q, %v; want local", d.AppRole, setting, err)
	}
	base, logs := startServe(t, d.AppURL, map[string]string{"TENANTRY_SECRET": strings.Repeat("o", 40)})
	lifecycle(t, base, logs)
}
