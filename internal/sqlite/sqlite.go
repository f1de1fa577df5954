// Package sqlite implements tenantry.Store on SQLite (modernc.org/sqlite,
// pure Go). One write connection whose transactions begin IMMEDIATE queues
// writers in Go, so no write sees SQLITE_BUSY and every check-then-write
// inside an Update is atomic; readers use a query_only pool (WAL).
//
// A View opens no transaction: each statement is its own read, so a View's
// reads need not share a snapshot, and its Scope comes from a membership
// cache that is exact because the store is its file's only writer. Callers
// follow the rule of tenantry.Store: fn only reads and writes through its
// TenantAccess.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/uuid"
	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeout is how long a connection waits for a lock SQLite holds, for
// example while a checkpoint runs. Writers queue in Go, so it is a safety net.
const busyTimeout = 5 * time.Second

// ErrLocked is returned by Open and Migrate when another DB, in this
// process or another, has the database open. The store must be the only
// writer of its file: its membership cache is invalidated by its own
// writes only.
var ErrLocked = errors.New("sqlite: database is in use by another store")

// DB is a Tenantry store in one SQLite file. It implements tenantry.Store.
type DB struct {
	// Now returns the current time. Stored times are UTC, truncated to
	// microseconds. Replace it right after Open, before any use.
	Now func() time.Time
	// NewID returns a fresh id for users, organizations and tasks. Replace it
	// right after Open, before any use.
	NewID func() uuid.UUID

	write  *stmtCache   // one connection, BEGIN IMMEDIATE
	read   *stmtCache   // several connections, query_only
	scopes *scopeCache  // memberships View looked up
	lock   *flock.Flock // path+"-lock", held until Close
}

var _ tenantry.Store = (*DB)(nil)

// Open opens the SQLite database at path, a plain file name (not ":memory:",
// no query), creating it private to its owner (0600) if it does not exist,
// and applies the embedded migrations. The DB must be the file's only
// writer: Open fails with ErrLocked while another DB has it open.
func Open(ctx context.Context, path string) (_ *DB, err error) {
	if err := checkPath(path); err != nil {
		return nil, err
	}
	lock, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lock.Close()
		}
	}()
	if err := restrictFiles(path); err != nil {
		return nil, err
	}
	write, err := openWrite(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return nil, err
	}
	read, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open read pool: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := read.PingContext(ctx); err != nil {
		read.Close()
		write.Close()
		return nil, fmt.Errorf("sqlite: open read pool: %w", err)
	}
	return &DB{
		Now:    time.Now,
		NewID:  newV7,
		write:  newStmtCache(write),
		read:   newStmtCache(read),
		scopes: newScopeCache(defaultMaxScopes),
		lock:   lock,
	}, nil
}

// Migrate applies the embedded migrations to the database at path, creating
// the file if it does not exist, and closes it again. ErrLocked while a DB
// has the file open.
func Migrate(ctx context.Context, path string) error {
	if err := checkPath(path); err != nil {
		return err
	}
	lock, err := lockFile(path)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := restrictFiles(path); err != nil {
		return err
	}
	write, err := openWrite(ctx, path)
	if err != nil {
		return err
	}
	if err := migrate(ctx, write); err != nil {
		write.Close()
		return err
	}
	return write.Close()
}

// Close closes both pools, then releases the lock file.
func (db *DB) Close() error {
	db.read.close()
	db.write.close()
	err := errors.Join(db.read.pool.Close(), db.write.pool.Close())
	db.read.wait()
	db.write.wait()
	return errors.Join(err, db.lock.Close())
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.pool.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

func checkPath(path string) error {
	if path == "" || strings.ContainsRune(path, '?') || strings.Contains(path, ":memory:") ||
		strings.HasPrefix(path, "file:") {
		return fmt.Errorf("sqlite: %q is not a plain database file path", path)
	}
	return nil
}

func openWrite(ctx context.Context, path string) (*sql.DB, error) {
	write, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open write pool: %w", err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	if err := write.PingContext(ctx); err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open write pool: %w", err)
	}
	return write, nil
}

// dsn builds modernc's connection string. Each _pragma runs, in order, on
// every new connection; busy_timeout comes first so that switching to WAL
// waits for other connections instead of failing. journal_mode is persistent
// in the file, so only the writer (opened first) sets it; readers are
// query_only, so a View can never write.
func dsn(path string, writer bool) string {
	p := []string{
		fmt.Sprintf("_pragma=busy_timeout(%d)", busyTimeout.Milliseconds()),
		"_pragma=foreign_keys(1)",
	}
	if writer {
		p = append(p, "_pragma=journal_mode(WAL)", "_pragma=synchronous(NORMAL)", "_txlock=immediate")
	} else {
		p = append(p, "_pragma=synchronous(NORMAL)", "_query_only=1")
	}
	return path + "?" + strings.Join(p, "&")
}

func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	return nil
}

func newV7() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// now is the store's clock in the stored precision.
func (db *DB) now() time.Time { return db.Now().UTC().Truncate(time.Microsecond) }

// inTx runs fn in one transaction on pool and commits it if fn returns nil.
// fn's error is returned as it is, so callers can match sentinels.
func inTx(ctx context.Context, pool *stmtCache, fn func(q *sqlitedb.Queries) error) error {
	tx, err := pool.pool.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(sqlitedb.New(cachedDB{cache: pool, tx: tx})); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}
