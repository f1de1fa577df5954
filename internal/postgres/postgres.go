// Package postgres implements tenantry.Store on PostgreSQL, with row-level
// security as a second wall under the store's own tenant filter: every tenant
// statement runs behind tenant_context, which checks the membership and sets
// what the policies compare with. Open connects as an application role that
// cannot bypass them and refuses to start otherwise; Migrate runs as the
// owner (README, "PostgreSQL"; docs/design.md, "Wall two").
//
// View and Update hand fn the Scope the store remembers for the member, and
// the database confirms it with fn's first statement: if it was stale, fn
// runs again with the current one. Each statement of a View is a transaction
// of its own, so a View's reads need not share a snapshot. Hence the rule:
// fn only reads and writes through its TenantAccess.
package postgres

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
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

	// citus is the database being Citus's coordinator (the citus extension
	// is installed), found at open: a View then reads inside an explicit
	// transaction, and a few transactions run sequentially (citus.go).
	citus bool

	// scopes remembers members' roles, so that a View needs no round trip
	// of its own before its first statement (see scopeCache).
	scopes *scopeCache
}

var _ tenantry.Store = (*DB)(nil)

// resetContext clears the context settings, session-level ones included.
// They are transaction-local already; this is the safety net, sent in one
// batch with every Update's COMMIT (no round trip of its own).
const resetContext = `SELECT set_config('app.user_id', '', false), set_config('app.tenant_id', '', false), set_config('app.tenant_ids', '', false)`

// DefaultMaxConns is the pool size when neither Options.MaxConns nor the
// URL's pool_max_conns sets one. pgxpool's own default, max(4, CPUs), left
// the server waiting for connections under 8 parallel readers on a 2-core
// machine; this one was chosen with tenantry-bench -floor
// (docs/performance.md, "Pool size").
const DefaultMaxConns = 8

// Options tune OpenWith.
type Options struct {
	// MaxConns is the most connections the pool opens. Zero means the
	// URL's pool_max_conns, or DefaultMaxConns; setting both is refused as
	// ambiguous.
	MaxConns int32
}

// Open connects to url as the application role and checks that the role
// cannot bypass row-level security. The URL accepts pgxpool's settings
// (pool_max_conns and others).
func Open(ctx context.Context, url string) (*DB, error) {
	return OpenWith(ctx, url, Options{})
}

// OpenWith is Open with opts.
func OpenWith(ctx context.Context, url string, opts Options) (*DB, error) {
	db, err := openWith(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	if err := checkRole(ctx, db.pool); err != nil {
		db.pool.Close()
		return nil, err
	}
	if db.citus {
		if err := checkPropagation(ctx, db.pool); err != nil {
			db.pool.Close()
			return nil, err
		}
	}
	return db, nil
}

// open connects without checking the role. Benchmarks use it to measure the
// same store with row-level security bypassed.
func open(ctx context.Context, url string) (*DB, error) { return openWith(ctx, url, Options{}) }

func openWith(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse database URL: %w", err)
	}
	if err := setMaxConns(cfg, url, opts.MaxConns); err != nil {
		return nil, err
	}
	// No AfterRelease hook: the settings are SET LOCAL, and pgxpool destroys
	// a connection released inside a transaction (docs/design.md).
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
	citus, err := isCitus(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &DB{
		pool:   pool,
		Now:    time.Now,
		NewID:  newV7,
		citus:  citus,
		scopes: newScopeCache(defaultMaxScopes),
	}, nil
}

// setMaxConns applies the pool size: the URL's pool_max_conns, or max, or
// DefaultMaxConns.
func setMaxConns(cfg *pgxpool.Config, url string, max int32) error {
	inURL := poolMaxConnsParam.MatchString(url)
	switch {
	case max < 0:
		return fmt.Errorf("postgres: the pool size %d is negative", max)
	case inURL && max > 0:
		return fmt.Errorf("postgres: the pool size is set twice, %d and the database URL's pool_max_conns=%d: set one", max, cfg.MaxConns)
	case inURL:
	case max > 0:
		cfg.MaxConns = max
	default:
		cfg.MaxConns = DefaultMaxConns
	}
	return nil
}

// poolMaxConnsParam finds pgxpool's pool_max_conns in a URL query or a
// keyword/value string.
var poolMaxConnsParam = regexp.MustCompile(`(?:^|[?&;\s])pool_max_conns\s*=`)

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
		return interpretError("commit", err, nil)
	}
	return nil
}

var readOnly = pgx.TxOptions{AccessMode: pgx.ReadOnly}
var readWrite = pgx.TxOptions{AccessMode: pgx.ReadWrite}
