package postgrestest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/postgres"
)

// EnvCitus names the variable with the URL of a Citus coordinator's
// database (the citus extension installed, the workers added) and a
// superuser role, for the tests that run on Citus. scripts/citus-local.sh
// starts such a cluster on loopback.
const EnvCitus = "TENANTRY_TEST_CITUS"

// CitusURL returns the coordinator URL from TENANTRY_TEST_CITUS, or skips tb.
func CitusURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvCitus)
	if u == "" {
		tb.Skip(EnvCitus + " is not set; set it to the URL of a Citus coordinator's database with a superuser " +
			"(e.g. postgres://postgres@127.0.0.1:9700/postgres?sslmode=disable after scripts/citus-local.sh start) " +
			"to run the tests on Citus")
	}
	return u
}

// Citus hands out the one Citus database, migrated (and so distributed),
// to one test at a time: a Citus database is a cluster of databases, one
// per node, too costly to create per test. Each test gets it emptied.
type Citus struct {
	mu       sync.Mutex
	migrated bool
}

// Open waits for the database, empties it and returns a store on it,
// connected as AppRole; the next test gets the database when tb ends.
func (c *Citus) Open(tb testing.TB) *postgres.DB {
	tb.Helper()
	owner := CitusURL(tb)
	ctx := context.Background()
	c.mu.Lock()
	tb.Cleanup(c.mu.Unlock)
	if !c.migrated {
		if err := postgres.Migrate(ctx, owner, AppRole); err != nil {
			tb.Fatalf("postgrestest: migrate on Citus: %v", err)
		}
		c.migrated = true
	}
	conn, err := pgx.Connect(ctx, owner)
	if err != nil {
		tb.Fatalf("postgrestest: connect to Citus: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `TRUNCATE tasks, memberships, tenants, sessions, revoked_tokens, users CASCADE`); err != nil {
		tb.Fatalf("postgrestest: empty the Citus database: %v", err)
	}
	u, err := url.Parse(owner)
	if err != nil {
		tb.Fatalf("postgrestest: parse %s: %v", EnvCitus, err)
	}
	u.User = url.User(AppRole)
	return OpenURL(tb, u.String())
}

// OwnedCitus is a database of OwnedCitusDatabase.
type OwnedCitus struct {
	Name string
	// OwnerURL connects to the coordinator as the database's owner.
	OwnerURL string
	// AppRole is the database's application role, and AppURL connects to the
	// coordinator as it.
	AppRole, AppURL string
}

// OwnedCitusDatabase sets up what the README asks of an administrator, on
// the Citus cluster of TENANTRY_TEST_CITUS: an owner role that is neither a
// superuser nor CREATEROLE, an application role, and on every node a
// database owned by the owner with the citus extension, the coordinator
// knowing its workers. The database is not migrated: that is the caller's
// to do, as the owner. Roles made on the coordinator reach the workers
// (Citus propagates them). Everything is dropped when tb ends, on every node
// even if one fails.
func OwnedCitusDatabase(tb testing.TB) OwnedCitus {
	tb.Helper()
	super := CitusURL(tb)
	ctx := context.Background()
	coord, err := pgx.Connect(ctx, super)
	if err != nil {
		tb.Fatalf("postgrestest: connect to %s: %v", EnvCitus, err)
	}
	tb.Cleanup(func() { coord.Close(ctx) }) // after the drops below, which use it
	rows, err := coord.Query(ctx, `SELECT node_name || ':' || node_port FROM citus_get_active_worker_nodes() ORDER BY 1`)
	if err != nil {
		tb.Fatalf("postgrestest: Citus workers: %v", err)
	}
	workers, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(workers) == 0 {
		tb.Fatalf("postgrestest: Citus workers: %v, %v", workers, err)
	}
	su, err := url.Parse(super)
	if err != nil {
		tb.Fatalf("postgrestest: parse %s: %v", EnvCitus, err)
	}
	nodes := append([]string{su.Host}, workers...)
	adminDB := strings.TrimPrefix(su.Path, "/")

	var b [5]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	d := OwnedCitus{Name: "tenantry_owned_citus_" + suffix, AppRole: "tenantry_citus_app_" + suffix}
	owner := "tenantry_citus_owner_" + suffix
	// execOn runs stmts as the superuser in dbname on the node at host.
	execOn := func(host, dbname string, stmts ...string) error {
		u := *su
		u.Host = host
		c, err := pgx.Connect(ctx, withDatabase(tb, u.String(), dbname, ""))
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
	for _, stmt := range []string{
		"CREATE ROLE " + pgx.Identifier{owner}.Sanitize() + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB",
		"CREATE ROLE " + pgx.Identifier{d.AppRole}.Sanitize() + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOINHERIT",
	} {
		if _, err := coord.Exec(ctx, stmt); err != nil {
			tb.Fatalf("postgrestest: %v", err)
		}
	}
	tb.Cleanup(func() {
		for _, n := range nodes {
			if err := execOn(n, adminDB, dropStatement(d.Name)); err != nil {
				tb.Errorf("postgrestest: %v", err)
			}
		}
		for _, r := range []string{d.AppRole, owner} {
			if _, err := coord.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{r}.Sanitize()); err != nil {
				tb.Errorf("postgrestest: drop role %s: %v", r, err)
			}
		}
	})
	for _, n := range nodes {
		if err := execOn(n, adminDB, "CREATE DATABASE "+pgx.Identifier{d.Name}.Sanitize()+" OWNER "+pgx.Identifier{owner}.Sanitize()); err != nil {
			tb.Fatalf("postgrestest: %v", err)
		}
		if err := execOn(n, d.Name, "CREATE EXTENSION citus"); err != nil {
			tb.Fatalf("postgrestest: %v", err)
		}
	}
	// The coordinator's new database learns the nodes.
	c, err := pgx.Connect(ctx, withDatabase(tb, super, d.Name, ""))
	if err != nil {
		tb.Fatalf("postgrestest: connect to %s: %v", d.Name, err)
	}
	defer c.Close(ctx)
	for i, n := range nodes {
		host, p, _ := strings.Cut(n, ":")
		port, err := strconv.Atoi(p)
		if err != nil {
			tb.Fatalf("postgrestest: the port of %s: %v", n, err)
		}
		add := "SELECT citus_add_node($1, $2)"
		if i == 0 {
			add = "SELECT citus_set_coordinator_host($1, $2)"
		}
		if _, err := c.Exec(ctx, add, host, port); err != nil {
			tb.Fatalf("postgrestest: %s on %s: %v", add, n, err)
		}
	}
	d.OwnerURL = withDatabase(tb, super, d.Name, owner)
	d.AppURL = withDatabase(tb, super, d.Name, d.AppRole)
	return d
}
