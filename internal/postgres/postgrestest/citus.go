package postgrestest

import (
	"context"
	"net/url"
	"os"
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
