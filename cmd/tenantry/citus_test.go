package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
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

// TestMigrateAsDatabaseOwnerOnCitus follows the README's setup on Citus: a
// database owned by an owner role that is neither a superuser nor
// CREATEROLE, and an application role made beforehand. "migrate" as that
// owner must distribute the tables and give the application role
// citus.propagate_set_commands = local (a role's setting in a database
// needs CREATEROLE; the database's own default, its owner may set), and
// "serve" as the application role must then run the whole lifecycle. The
// database is made on every node, with the extension and the nodes, and
// dropped at the end.
func TestMigrateAsDatabaseOwnerOnCitus(t *testing.T) {
	super := os.Getenv("TENANTRY_TEST_CITUS")
	if super == "" {
		t.Skip("TENANTRY_TEST_CITUS is not set: skipping the owner's migration on Citus (scripts/citus-local.sh)")
	}
	ctx := context.Background()
	su, err := url.Parse(super)
	if err != nil {
		t.Fatal(err)
	}
	coord, err := pgx.Connect(ctx, super)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { coord.Close(ctx) }) // after the drops below, which use it
	nodes := []string{su.Host}
	rows, err := coord.Query(ctx, `SELECT node_name || ':' || node_port FROM citus_get_active_worker_nodes() ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	workers, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(workers) == 0 {
		t.Fatalf("workers: %v, %v", workers, err)
	}
	nodes = append(nodes, workers...)

	suffix := strings.ToLower(rand.Text()[:10])
	ownerRole, appRole, db := "tenantry_owner_"+suffix, "tenantry_app_"+suffix, "tenantry_owner_db_"+suffix
	// execOn runs stmts as the superuser in dbname on the node at host.
	execOn := func(host, dbname string, stmts ...string) error {
		u := *su
		u.Host, u.Path = host, "/"+dbname
		c, err := pgx.Connect(ctx, u.String())
		if err != nil {
			return fmt.Errorf("%s: %w", host, err)
		}
		defer c.Close(ctx)
		for _, s := range stmts {
			if _, err := c.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %s: %w", host, s, err)
			}
		}
		return nil
	}
	onNode := func(host, dbname string, stmts ...string) {
		t.Helper()
		if err := execOn(host, dbname, stmts...); err != nil {
			t.Fatal(err)
		}
	}
	// Roles made on the coordinator reach the workers (Citus propagates them).
	if _, err := coord.Exec(ctx, "CREATE ROLE "+ownerRole+" LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB"); err != nil {
		t.Fatal(err)
	}
	if _, err := coord.Exec(ctx, "CREATE ROLE "+appRole+" LOGIN"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, n := range nodes { // every node, even if one fails
			if err := execOn(n, strings.TrimPrefix(su.Path, "/"), "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
				t.Error(err)
			}
		}
		for _, r := range []string{appRole, ownerRole} {
			if _, err := coord.Exec(ctx, "DROP ROLE IF EXISTS "+r); err != nil {
				t.Errorf("drop role %s: %v", r, err)
			}
		}
	})
	for _, n := range nodes {
		onNode(n, strings.TrimPrefix(su.Path, "/"), "CREATE DATABASE "+db+" OWNER "+ownerRole)
		onNode(n, db, "CREATE EXTENSION citus")
	}
	host, port, _ := strings.Cut(su.Host, ":")
	add := []string{"SELECT citus_set_coordinator_host('" + host + "', " + port + ")"}
	for _, w := range workers {
		h, p, _ := strings.Cut(w, ":")
		add = append(add, "SELECT citus_add_node('"+h+"', "+p+")")
	}
	onNode(su.Host, db, add...)

	ownerURL, appURL := *su, *su
	ownerURL.User, ownerURL.Path = url.User(ownerRole), "/"+db
	appURL.User, appURL.Path = url.User(appRole), "/"+db
	if err := run(ctx, []string{"tenantry", "migrate", "-db", ownerURL.String(), "-app-role", appRole},
		func(string) string { return "" }, nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate as the database's owner: %v", err)
	}
	var setting string
	app, err := pgx.Connect(ctx, appURL.String())
	if err != nil {
		t.Fatal(err)
	}
	err = app.QueryRow(ctx, `SELECT current_setting('citus.propagate_set_commands')`).Scan(&setting)
	app.Close(ctx)
	if err != nil || setting != "local" {
		t.Fatalf("citus.propagate_set_commands for %s: %q, %v; want local", appRole, setting, err)
	}
	base, logs := startServe(t, appURL.String(), map[string]string{"TENANTRY_SECRET": strings.Repeat("o", 40)})
	lifecycle(t, base, logs)
}
