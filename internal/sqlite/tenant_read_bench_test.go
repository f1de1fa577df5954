package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite"
	"github.com/tenantry/tenantry/internal/storetest"
)

// The store's statements (queries/*.sql), spelled out so the variants
// below run them bare.
const (
	readTaskSQL = `SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at
FROM tasks
WHERE tenant_id = ?1 AND id = ?2`
	readScopeSQL = `SELECT m.role, t.kind
FROM memberships m
JOIN tenants t ON t.id = m.tenant_id
WHERE m.tenant_id = ?1 AND m.user_id = ?2`
	readJoinedSQL = `SELECT t.tenant_id, t.id, t.title, t.description, t.completed,
       t.assigned_user_id, t.created_at, t.updated_at
FROM memberships m JOIN tasks t ON t.tenant_id = m.tenant_id
WHERE m.tenant_id = ?1 AND m.user_id = ?2 AND t.id = ?3`
)

// BenchmarkSQLiteTenantRead takes a get-by-id apart on SQLite, without HTTP:
// the bare statement (the load benchmark's baseline), the store's
// transaction spelled out (BEGIN, the membership query, the task query,
// COMMIT), the membership check folded into the task query as one
// statement, and the store's own View. Every variant runs prepared
// statements, as the store does. docs/performance.md quotes it.
//
//	go test -run '^$' -bench SQLiteTenantRead ./internal/sqlite/
func BenchmarkSQLiteTenantRead(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "read.db")
	if err := sqlite.Migrate(ctx, path); err != nil {
		b.Fatal(err)
	}
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	data := storetest.SeedReads(b, store)
	// A query-only pool of the store's size, with its pragmas.
	read, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_query_only=1")
	if err != nil {
		b.Fatal(err)
	}
	defer read.Close()
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	prepare := func(query string) *sql.Stmt {
		s, err := read.PrepareContext(ctx, query)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	task, scope, joined := prepare(readTaskSQL), prepare(readScopeSQL), prepare(readJoinedSQL)
	// scanTask reads a task row, discarding it.
	scanTask := func(row *sql.Row) error {
		var (
			tenant, id, assigned []byte
			title                string
			desc                 sql.NullString
			completed            bool
			created, updated     int64
		)
		return row.Scan(&tenant, &id, &title, &desc, &completed, &assigned, &created, &updated)
	}
	run := func(b *testing.B, get func(ctx context.Context, user, task uuid.UUID) error) {
		storetest.RunReads(b, data, get)
	}
	b.Run("bare", func(b *testing.B) {
		run(b, func(ctx context.Context, user, id uuid.UUID) error {
			return scanTask(task.QueryRowContext(ctx, user[:], id[:]))
		})
	})
	b.Run("tx-membership-query", func(b *testing.B) {
		run(b, func(ctx context.Context, user, id uuid.UUID) error {
			tx, err := read.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			var role, kind string
			if err := tx.StmtContext(ctx, scope).QueryRowContext(ctx, user[:], user[:]).Scan(&role, &kind); err != nil {
				return err
			}
			if err := scanTask(tx.StmtContext(ctx, task).QueryRowContext(ctx, user[:], id[:])); err != nil {
				return err
			}
			return tx.Commit()
		})
	})
	b.Run("one-statement", func(b *testing.B) {
		run(b, func(ctx context.Context, user, id uuid.UUID) error {
			return scanTask(joined.QueryRowContext(ctx, user[:], user[:], id[:]))
		})
	})
	b.Run("store-view", func(b *testing.B) {
		run(b, func(ctx context.Context, user, id uuid.UUID) error {
			return store.View(ctx, user, user, func(tx tenantry.TenantAccess) error {
				_, err := tx.Task(ctx, id)
				return err
			})
		})
	})
}
