// Package postgrestest gives each test an empty, migrated PostgreSQL
// database of its own, and a store with its tenant filter removed to prove that row-level
// security holds on its own.
//
// Tests read the server's URL from TENANTRY_TEST_POSTGRES, for example
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable, and skip when
// it is unset. The URL's role creates the databases and is their owner; the
// store connects as AppRole.
package postgrestest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
)

// EnvURL names the environment variable that holds the test server's URL.
const EnvURL = "TENANTRY_TEST_POSTGRES"

// AppRole is the application role the test databases grant to. Roles belong
// to the cluster, so every test database of a run shares it. It is not the
// tenantry_app of the README's setup, so the tests never meet a developer's
// own roles, and Main drops it when the run's last test process ends.
const AppRole = "tenantry_test_app"

// Database is one test database.
type Database struct {
	Name string
	// OwnerURL connects as the owner (the role of TENANTRY_TEST_POSTGRES).
	OwnerURL string
	// AppURL connects as AppRole, as the server does.
	AppURL string
	// AdminURL connects as the role of TENANTRY_TEST_POSTGRES, a superuser
	// that sees past every policy: for checks on other tenants' rows.
	AdminURL string
}

// URL returns the server URL from TENANTRY_TEST_POSTGRES, or skips tb.
func URL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		tb.Skip(EnvURL + " is not set; set it to a PostgreSQL URL with a role that may create databases " +
			"(e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) to run the PostgreSQL tests")
	}
	return u
}

// schemaVersion is part of the reusable databases' names. Bump it when
// Migrate's grants change without a change to the migration files.
const schemaVersion = "1"

// NewDatabase leases an empty, migrated database for the length of the
// test: databases are reused within a run, since creating one costs about a
// second, and a session-level advisory lock keeps two tests off one
// (docs/design.md). Tests that change the schema or the roles use
// NewFreshDatabase instead.
func NewDatabase(tb testing.TB) Database {
	tb.Helper()
	return lease(tb, "")
}

// NewOwnedDatabase is NewDatabase with the tables owned by OwnerRole, a
// plain role (no superuser, no CREATEROLE), as in production: row-level
// security is forced on the owner too, so the context functions run under
// the policies. The application role is made by the test server's role
// beforehand, as an administrator would. OwnerURL connects as OwnerRole;
// AdminURL as the server URL's role.
func NewOwnedDatabase(tb testing.TB) Database {
	tb.Helper()
	return lease(tb, OwnerRole)
}

// OwnerRole owns the databases of NewOwnedDatabase. Like AppRole, it is a
// name of the tests' own, dropped by Main at the end of the run.
const OwnerRole = "tenantry_test_owner"

// tempRolePrefix begins the names of the roles TempRole makes.
const tempRolePrefix = "tenantry_role_"

// TempRole creates a role with a random name and the given attributes (for
// example "LOGIN NOINHERIT") on the test server, and drops it when the test
// ends. A test that grants the role anything in a database must call
// TempRole before it makes that database, so that the database (and the
// grants with it) is dropped first: cleanups run last-in, first-out.
func TempRole(tb testing.TB, attrs string) string {
	tb.Helper()
	server := URL(tb)
	ctx := context.Background()
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := tempRolePrefix + hex.EncodeToString(b[:])
	conn, err := pgx.Connect(ctx, server)
	if err != nil {
		tb.Fatalf("postgrestest: connect to %s: %v", EnvURL, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE ROLE "+pgx.Identifier{name}.Sanitize()+" "+attrs); err != nil {
		tb.Fatalf("postgrestest: create role: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, server)
		if err != nil {
			tb.Errorf("postgrestest: drop role %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP ROLE IF EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
			tb.Errorf("postgrestest: drop role %s: %v", name, err)
		}
	})
	return name
}

// As returns the URL of the database connecting as role.
func (d Database) As(tb testing.TB, role string) string {
	tb.Helper()
	u, err := url.Parse(d.AppURL)
	if err != nil {
		tb.Fatalf("postgrestest: %v", err)
	}
	u.User = url.User(role)
	return u.String()
}

// lease implements NewDatabase and NewOwnedDatabase; ownerRole "" means the
// server URL's role.
func lease(tb testing.TB, ownerRole string) Database {
	tb.Helper()
	server := URL(tb)
	ctx := context.Background()
	admin := connectLeaser(tb, server)
	tb.Cleanup(func() { admin.Close(context.Background()) }) // releases the lease
	prefix := "tenantry_test_" + schemaHash(tb) + "_"
	if ownerRole != "" {
		prefix = "tenantry_owned_" + schemaHash(tb) + "_"
		for _, stmt := range []string{
			"CREATE ROLE " + pgx.Identifier{ownerRole}.Sanitize() + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB",
			"CREATE ROLE " + pgx.Identifier{AppRole}.Sanitize() + " LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB NOINHERIT",
		} {
			if err := createRole(ctx, admin, stmt); err != nil {
				tb.Fatalf("postgrestest: %v", err)
			}
		}
	}
	for n := 0; ; n++ {
		name := prefix + strconv.Itoa(n)
		leased, err := tryLease(ctx, admin, name)
		if err != nil {
			tb.Fatalf("postgrestest: lease database: %v", err)
		}
		if !leased {
			continue
		}
		db := Database{
			Name:     name,
			OwnerURL: withDatabase(tb, server, name, ownerRole),
			AppURL:   withDatabase(tb, server, name, AppRole),
			AdminURL: withDatabase(tb, server, name, ""),
		}
		if err := prepare(ctx, admin, db, ownerRole); err != nil {
			tb.Fatalf("postgrestest: %v", err)
		}
		return db
	}
}

// tryLease takes the lease of the database called name on admin's session,
// if nobody else holds it. Whoever holds the lease may create, empty or drop
// the database; the lease ends when admin closes.
func tryLease(ctx context.Context, admin *pgx.Conn, name string) (bool, error) {
	var leased bool
	err := admin.QueryRow(ctx, "SELECT pg_try_advisory_lock($1)", leaseKey(name)).Scan(&leased)
	return leased, err
}

// prepare makes db, whose lease admin holds, an empty migrated database:
// it empties it if it exists, and creates and migrates it if it does not
// (it never existed, or Main dropped it in another test process).
func prepare(ctx context.Context, admin *pgx.Conn, db Database, ownerRole string) error {
	var exists bool
	err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db.Name).Scan(&exists)
	if err != nil {
		return fmt.Errorf("lease database: %w", err)
	}
	if exists {
		err := truncate(ctx, db)
		if err == nil {
			return nil
		}
		if !isCode(err, "3D000") { // invalid_catalog_name: gone since the check
			return fmt.Errorf("empty database %s: %w", db.Name, err)
		}
	}
	create := "CREATE DATABASE " + pgx.Identifier{db.Name}.Sanitize()
	if ownerRole != "" {
		create += " OWNER " + pgx.Identifier{ownerRole}.Sanitize()
	}
	if _, err := admin.Exec(ctx, create); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	if err := postgres.Migrate(ctx, db.OwnerURL, AppRole); err != nil {
		// Half-migrated: drop it so the next lease starts over.
		if _, dropErr := admin.Exec(ctx, dropStatement(db.Name)); dropErr != nil {
			return fmt.Errorf("%w (and dropping the half-migrated database: %v)", err, dropErr)
		}
		return err
	}
	return nil
}

// truncate empties every table of db.
func truncate(ctx context.Context, db Database) error {
	conn, err := pgx.Connect(ctx, db.AdminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "TRUNCATE users, tenants, memberships, tasks, sessions, revoked_tokens, invitations, api_tokens, totp, recovery_codes, audit_entries, idempotency_keys")
	return err
}

// isCode reports whether err is a PostgreSQL error with SQLSTATE code.
func isCode(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// connectLeaser connects to server for a session that holds leases. Its
// application_name names this process, so that Main can wait for this
// process's leases to end before it looks for databases to drop.
func connectLeaser(tb testing.TB, server string) *pgx.Conn {
	tb.Helper()
	admin, err := connectNamed(context.Background(), server, leaserName(os.Getpid()))
	if err != nil {
		tb.Fatalf("postgrestest: connect to %s: %v", EnvURL, err)
	}
	return admin
}

// leaserName is the application_name of process pid's lease sessions.
func leaserName(pid int) string { return "postgrestest lease " + strconv.Itoa(pid) }

// createRole runs a CREATE ROLE; a role that exists, or that a parallel
// test created at the same moment, is not an error.
func createRole(ctx context.Context, admin *pgx.Conn, stmt string) error {
	_, err := admin.Exec(ctx, stmt)
	var pgErr *pgconn.PgError
	if err != nil && !(errors.As(err, &pgErr) && (pgErr.Code == "42710" || pgErr.Code == "23505")) {
		return err
	}
	return nil
}

// NewFreshDatabase creates and migrates a database with a random name, and
// drops it when the test ends. It is slow (about two seconds); use it for
// tests that alter the schema or roles. The test holds the database's lease
// from before it is created until it is dropped, so that Main in another
// test process never drops it while in use, and drops it if this process
// dies before it could.
func NewFreshDatabase(tb testing.TB) Database {
	tb.Helper()
	server := URL(tb)
	ctx := context.Background()

	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "tenantry_fresh_" + hex.EncodeToString(b[:])

	admin := connectLeaser(tb, server)
	tb.Cleanup(func() { admin.Close(context.Background()) }) // releases the lease, after the drop
	if leased, err := tryLease(ctx, admin, name); err != nil || !leased {
		tb.Fatalf("postgrestest: lease database %s: %v (leased %t)", name, err, leased)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("postgrestest: create database: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, dropStatement(name)); err != nil {
			tb.Errorf("postgrestest: drop database %s: %v", name, err)
		}
	})

	ownerURL := withDatabase(tb, server, name, "")
	if err := postgres.Migrate(ctx, ownerURL, AppRole); err != nil {
		tb.Fatalf("postgrestest: %v", err)
	}
	return Database{Name: name, OwnerURL: ownerURL, AppURL: withDatabase(tb, server, name, AppRole), AdminURL: ownerURL}
}

// Named returns the URLs of the database called name on the test server,
// which the caller creates and drops. It skips tb when
// TENANTRY_TEST_POSTGRES is unset.
func Named(tb testing.TB, name string) Database {
	tb.Helper()
	server := URL(tb)
	return Database{
		Name:     name,
		OwnerURL: withDatabase(tb, server, name, ""),
		AppURL:   withDatabase(tb, server, name, AppRole),
		AdminURL: withDatabase(tb, server, name, ""),
	}
}

// SchemaHash identifies the migrations and grants a database is made with;
// databases kept between runs carry it in their names.
func SchemaHash(tb testing.TB) string { return schemaHash(tb) }

// schemaHash identifies the migrations and grants a database was made with.
func schemaHash(tb testing.TB) string {
	tb.Helper()
	h := sha256.New()
	h.Write([]byte(schemaVersion + "\x00" + AppRole + "\x00"))
	err := fs.WalkDir(postgres.Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(postgres.Migrations(), path)
		if err != nil {
			return err
		}
		h.Write([]byte(path + "\x00"))
		h.Write(b)
		return nil
	})
	if err != nil {
		tb.Fatalf("postgrestest: hash migrations: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// leaseKey is the advisory lock key of a database name.
func leaseKey(name string) int64 {
	sum := sha256.Sum256([]byte("tenantry lease " + name))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// MustOpen returns a store on an empty database of its own, set up as in
// production (NewOwnedDatabase: a plain owner role), connected as the
// application role. It is closed when the test ends.
func MustOpen(tb testing.TB) *postgres.DB {
	tb.Helper()
	return OpenURL(tb, NewOwnedDatabase(tb).AppURL)
}

// OpenURL opens a store on url with postgres.Open and closes it when the
// test ends.
func OpenURL(tb testing.TB, url string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		tb.Fatalf("postgrestest: %v", err)
	}
	tb.Cleanup(func() { _ = db.Close() })
	return db
}

// Unfiltered returns a store on an empty database of its own whose tenant
// filter is removed, so that only row-level security stands between
// tenants: every condition `tenant_id = $n` (qualified or not) and
// `tenants.id = $n` in its generated queries becomes `($n::uuid IS NOT
// NULL)`. The context functions still run for the tenant asked for, so any
// row of another tenant it returns or changes is one RLS let through.
func Unfiltered(tb testing.TB) *postgres.DB {
	tb.Helper()
	db := MustOpen(tb)
	Unfilter(db)
	return db
}

// Unfilter removes db's own tenant filter, as Unfiltered does. Call it
// before db is used.
func Unfilter(db *postgres.DB) {
	db.SetQueryWrapper(func(conn pgdb.DBTX) pgdb.DBTX { return unfiltered{conn} })
}

// tenantCondition matches the store's tenant conditions.
var tenantCondition = regexp.MustCompile(`\b(?:[a-z_]+\.)?tenant_id = \$(\d+)|\btenants\.id = \$(\d+)`)

// DropTenantFilter rewrites sql as Unfiltered does.
func DropTenantFilter(sql string) string {
	return tenantCondition.ReplaceAllStringFunc(sql, func(m string) string {
		sub := tenantCondition.FindStringSubmatch(m)
		n := sub[1] + sub[2]
		return "($" + n + "::uuid IS NOT NULL)"
	})
}

type unfiltered struct{ conn pgdb.DBTX }

func (u unfiltered) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return u.conn.Exec(ctx, DropTenantFilter(sql), args...)
}

func (u unfiltered) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return u.conn.Query(ctx, DropTenantFilter(sql), args...)
}

func (u unfiltered) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return u.conn.QueryRow(ctx, DropTenantFilter(sql), args...)
}

// withDatabase returns server with the database (and, if set, the user)
// replaced, and synchronous_commit off.
func withDatabase(tb testing.TB, server, dbname, user string) string {
	tb.Helper()
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("postgrestest: parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + dbname
	if user != "" {
		u.User = url.User(user)
	}
	// Test data need not survive a crash: not waiting for the WAL flush at
	// each commit makes the suites several times faster.
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

// dropStatement drops the database called name; WITH (FORCE) terminates its
// connections first.
func dropStatement(name string) string {
	return "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
}
