// Package postgres implements tenantry.Store on PostgreSQL, with row-level
// security as a second wall under the store's own tenant filter.
//
// Two roles are involved. The owner runs Migrate: it owns the tables and the
// SECURITY DEFINER context functions. The application role, which Open
// connects as, owns nothing, is not a superuser, cannot bypass row-level
// security and may not create objects; Open refuses to start otherwise.
//
// Every tenant statement runs behind a statement of its own,
// `SELECT role, kind FROM tenant_context($user, $tenant)`: an Update sends it
// in one batch with BEGIN (and its first statement, when the member's scope
// is remembered: see Update); a View, which opens no transaction, sends it
// in one batch with each of its statements, so both share PostgreSQL's
// implicit transaction (see View). The function checks the membership, raising
// insufficient_privilege (ErrNotMember) for a non-member, and SET LOCALs
// app.user_id and app.tenant_id; the policies on tenants, memberships and
// tasks are plain comparisons with those settings. Listing a user's
// organizations runs in a user-level context (user_context: the user's own
// memberships and their tenants, no tasks), and a new tenant is made by
// create_tenant, which inserts it with its owner and enters its context. See
// migrations/00002_row_level_security.sql.
//
// A local setup, as a superuser (psql -U postgres):
//
//	CREATE ROLE tenantry_owner LOGIN PASSWORD 'owner-secret';
//	CREATE DATABASE tenantry OWNER tenantry_owner;
//
// then `tenantry migrate -db postgres://tenantry_owner:owner-secret@localhost/tenantry`
// creates the application role tenantry_app with its grants; give it a
// password (ALTER ROLE tenantry_app PASSWORD 'app-secret') and serve with
// postgres://tenantry_app:app-secret@localhost/tenantry.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/pgdb"
)

// DB is a tenantry.Store on a PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool

	// Now returns the current time; the store truncates it to microseconds
	// in UTC. Defaults to time.Now.
	Now func() time.Time
	// NewID returns a new id for a user, task or organization: a UUIDv7,
	// time-ordered. Defaults to uuid.NewV7.
	NewID func() uuid.UUID

	// wrap, when set, wraps the connection every query goes through. Only
	// tests set it (postgrestest.Unfiltered), through SetQueryWrapper.
	wrap func(pgdb.DBTX) pgdb.DBTX

	// scopes remembers members' roles, so that a View needs no round trip
	// of its own before its first statement (see scopeCache).
	scopes *scopeCache
}

var _ tenantry.Store = (*DB)(nil)

// resetContext clears the context settings, session-level ones included.
// They are transaction-local already; this is the safety net, sent in one
// batch with every Update's COMMIT (no round trip of its own).
const resetContext = `SELECT set_config('app.user_id', '', false), set_config('app.tenant_id', '', false), set_config('app.tenant_ids', '', false)`

// Open connects to url as the application role and checks that the role
// cannot bypass row-level security. The URL accepts pgxpool's settings
// (pool_max_conns and others).
func Open(ctx context.Context, url string) (*DB, error) {
	db, err := open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := checkRole(ctx, db.pool); err != nil {
		db.pool.Close()
		return nil, err
	}
	return db, nil
}

// open connects without checking the role. Benchmarks use it to measure the
// same store with row-level security bypassed.
func open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database URL: %w", err)
	}
	// No AfterRelease hook. The context settings are SET LOCAL: they end
	// with their transaction (an Update's COMMIT or ROLLBACK, a View
	// statement's Sync), so a connection that is idle, out of any
	// transaction, carries none, and pgxpool itself destroys one released
	// in any other state (Release checks TxStatus() != 'I' first; see
	// TestPoolOfOneConnection). A hook could add nothing to
	// that, and pgxpool runs it in a goroutine of its own on every
	// release. A session-level SET app.…, which nothing in the store
	// issues, is undone by the resetContext pipelined with every Update's
	// COMMIT, and until then it is never seen: every context function
	// (tenant_context, user_context, create_tenant) SET LOCALs all three
	// settings before any tenant row is read.
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		RegisterUUID(c)
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return &DB{
		pool:   pool,
		Now:    time.Now,
		NewID:  newV7,
		scopes: newScopeCache(defaultMaxScopes),
	}, nil
}

func newV7() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// Close releases the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.pool.Ping(ctx)
}

// SetQueryWrapper makes every query of the store go through wrap(conn). It is
// for tests that need to alter the store's SQL (postgrestest.Unfiltered);
// call it before the store is used.
func (db *DB) SetQueryWrapper(wrap func(pgdb.DBTX) pgdb.DBTX) { db.wrap = wrap }

func (db *DB) queries(conn pgdb.DBTX) *pgdb.Queries {
	if db.wrap != nil {
		conn = db.wrap(conn)
	}
	return pgdb.New(conn)
}

func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// tx runs fn in a transaction, committing when fn returns nil.
func (db *DB) tx(ctx context.Context, opts pgx.TxOptions, fn func(pgx.Tx) error) error {
	tx, err := db.pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it is a no-op
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: commit: %w", mapError(err))
	}
	return nil
}

var readOnly = pgx.TxOptions{AccessMode: pgx.ReadOnly}
var readWrite = pgx.TxOptions{AccessMode: pgx.ReadWrite}

// SQLSTATE codes the store maps.
const (
	codeUniqueViolation       = "23505"
	codeForeignKeyViolation   = "23503"
	codeInsufficientPrivilege = "42501"
)

// mapError maps the constraint errors that have a domain meaning. Anything
// else is returned as it is (an internal error, never shown to clients).
func mapError(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch {
	case pgErr.Code == codeUniqueViolation && pgErr.ConstraintName == "users_email_key":
		return tenantry.ErrEmailTaken
	case pgErr.Code == codeUniqueViolation && pgErr.ConstraintName == "memberships_pkey":
		return tenantry.ErrAlreadyMember
	case pgErr.Code == codeForeignKeyViolation && pgErr.ConstraintName == "tasks_assignee_fkey":
		return tenantry.ErrAssigneeNotMember
	case pgErr.Code == codeForeignKeyViolation && pgErr.ConstraintName == "memberships_user_id_fkey":
		return tenantry.ErrUserNotFound
	}
	return err
}
