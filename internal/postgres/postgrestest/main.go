package postgrestest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Main runs m's tests and then, if this process is the last test process on
// the server (a shared advisory lock tells), drops the databases and roles
// the tests made: `go test ./...` runs several processes that share the
// reusable databases (docs/design.md, "Tests against PostgreSQL"). Every
// test package that uses postgrestest calls it from its TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(postgrestest.Main(m)) }
func Main(m *testing.M) int {
	server := os.Getenv(EnvURL)
	if server == "" {
		return m.Run()
	}
	ctx := context.Background()
	run, err := connectNamed(ctx, server, "postgrestest main "+strconv.Itoa(os.Getpid()))
	if err != nil {
		// The tests report the same error; there is nothing to clean up.
		fmt.Fprintf(os.Stderr, "postgrestest: %v\n", err)
		return m.Run()
	}
	defer run.Close(context.Background())
	if _, err := run.Exec(ctx, "SELECT pg_advisory_lock_shared($1)", runKey()); err != nil {
		fmt.Fprintf(os.Stderr, "postgrestest: %v\n", err)
		return m.Run()
	}
	code := m.Run()
	if err := finish(ctx, run); err != nil {
		fmt.Fprintf(os.Stderr, "postgrestest: cleaning up the test databases: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// runKey is the advisory lock every test process holds shared while its
// tests run.
func runKey() int64 { return leaseKey("\x00run") }

// finish ends this process's run on run's session: if it is the last test
// process, it drops every test database nobody is using.
func finish(ctx context.Context, run *pgx.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// A test's lease ends when its session ends, which the server sees a
	// moment after the test closed it: wait, or the drops below would take
	// this process's databases for someone else's.
	if err := waitForSessions(ctx, run, leaserName(os.Getpid())); err != nil {
		return err
	}
	if _, err := run.Exec(ctx, "SELECT pg_advisory_unlock_shared($1)", runKey()); err != nil {
		return err
	}
	var last bool
	if err := run.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", runKey()).Scan(&last); err != nil {
		return err
	}
	if !last {
		return nil // a process still running tests cleans up when it ends
	}
	names, err := testDatabases(ctx, run)
	if err != nil {
		return err
	}
	if _, err := dropUnleased(ctx, run, names); err != nil {
		return err
	}
	return dropRoles(ctx, run)
}

// dropRoles drops the roles the tests make, then checks that none is left.
// It runs in the last test process, after the databases are gone; a role
// that still holds privileges in a database left behind is reported.
func dropRoles(ctx context.Context, conn *pgx.Conn) error {
	roles, err := testRoles(ctx, conn)
	if err != nil {
		return err
	}
	var errs []error
	for _, role := range roles {
		if _, err := conn.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{role}.Sanitize()); err != nil {
			errs = append(errs, fmt.Errorf("drop role %s: %w", role, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if left, err := testRoles(ctx, conn); err != nil {
		return err
	} else if len(left) > 0 {
		return fmt.Errorf("roles left on the server after the run: %v", left)
	}
	return nil
}

// testRoles lists the roles the tests make.
func testRoles(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT rolname FROM pg_roles
		WHERE rolname IN ($1, $2) OR starts_with(rolname, $3) ORDER BY rolname`,
		AppRole, OwnerRole, tempRolePrefix)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// waitForSessions waits until the server has no session whose
// application_name is name.
func waitForSessions(ctx context.Context, conn *pgx.Conn, name string) error {
	for {
		var n int
		err := conn.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", name).Scan(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d sessions %q still open: %w", n, name, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// testDatabases lists the databases postgrestest makes, of every schema
// hash.
func testDatabases(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database
		WHERE datname LIKE 'tenantry\_test\_%' OR datname LIKE 'tenantry\_owned\_%'
			OR datname LIKE 'tenantry\_fresh\_%'
		ORDER BY datname`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// dropUnleased drops each of the databases called names whose lease it can
// take on conn's session, and returns those it dropped. It holds each lease
// until the drop is done, so a test leasing that name afterwards finds it
// gone and creates it.
func dropUnleased(ctx context.Context, conn *pgx.Conn, names []string) ([]string, error) {
	var dropped []string
	var errs []error
	for _, name := range names {
		leased, err := tryLease(ctx, conn, name)
		if err != nil {
			return dropped, err
		}
		if !leased {
			continue
		}
		if _, err := conn.Exec(ctx, dropStatement(name)); err != nil {
			errs = append(errs, fmt.Errorf("drop database %s: %w", name, err))
		} else {
			dropped = append(dropped, name)
		}
		if _, err := conn.Exec(ctx, "SELECT pg_advisory_unlock($1)", leaseKey(name)); err != nil {
			return dropped, err
		}
	}
	return dropped, errors.Join(errs...)
}

// connectNamed connects to server with application_name set to name.
func connectNamed(ctx context.Context, server, name string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(server)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", EnvURL, err)
	}
	cfg.RuntimeParams["application_name"] = name
	return pgx.ConnectConfig(ctx, cfg)
}
