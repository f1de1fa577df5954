package bench

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitedb"
)

// BenchmarkSQLiteTenantRead takes a get-by-id apart on SQLite, without HTTP:
// the bare statement (the baseline's), the store's transaction spelled out
// (BEGIN, the membership query, the task query, COMMIT), the membership
// check folded into the task query as one statement, and the store's own
// View. Every variant runs prepared statements, as the store does. docs/performance.md quotes it.
//
//	go test -run '^$' -bench SQLiteTenantRead ./internal/bench/
func BenchmarkSQLiteTenantRead(b *testing.B) {
	ctx := context.Background()
	db, err := createDatabase(ctx, "sqlite", b.TempDir(), "")
	if err != nil {
		b.Fatal(err)
	}
	store, err := sqlite.Open(ctx, db.appDSN)
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	data := seedForBench(b, store, 1)
	base, closeBase, err := openSQLiteBase(ctx, db.appDSN)
	if err != nil {
		b.Fatal(err)
	}
	defer closeBase()
	read := base.(*sqliteBase).readDB
	prep := newPrepared(read)
	run := func(b *testing.B, get func(ctx context.Context, user, task uuid.UUID) error) { runReads(b, data, get) }
	b.Run("bare", func(b *testing.B) {
		run(b, func(ctx context.Context, user, task uuid.UUID) error {
			_, err := base.task(ctx, user, task)
			return err
		})
	})
	b.Run("tx-membership-query", func(b *testing.B) {
		run(b, func(ctx context.Context, user, task uuid.UUID) error {
			tx, err := read.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			q := sqlitedb.New(preparedTx{tx: tx, p: prep})
			if _, err := q.MembershipScope(ctx, sqlitedb.MembershipScopeParams{TenantID: user[:], UserID: user[:]}); err != nil {
				return err
			}
			if _, err := q.Task(ctx, sqlitedb.TaskParams{TenantID: user[:], ID: task[:]}); err != nil {
				return err
			}
			return tx.Commit()
		})
	})
	b.Run("one-statement", func(b *testing.B) {
		run(b, func(ctx context.Context, user, task uuid.UUID) error {
			var t sqlitedb.Task
			return prep.QueryRowContext(ctx, `SELECT t.tenant_id, t.id, t.title, t.description, t.completed,
       t.assigned_user_id, t.created_at, t.updated_at
FROM memberships m JOIN tasks t ON t.tenant_id = m.tenant_id
WHERE m.tenant_id = ?1 AND m.user_id = ?2 AND t.id = ?3`, user[:], user[:], task[:]).Scan(
				&t.TenantID, &t.ID, &t.Title, &t.Description, &t.Completed, &t.AssignedUserID, &t.CreatedAt, &t.UpdatedAt)
		})
	})
	b.Run("store-view", func(b *testing.B) {
		run(b, func(ctx context.Context, user, task uuid.UUID) error {
			return store.View(ctx, user, user, func(tx tenantry.TenantTx) error {
				_, err := tx.Task(ctx, task)
				return err
			})
		})
	})
}

// preparedTx runs the pool's prepared statements inside tx.
type preparedTx struct {
	tx *sql.Tx
	p  *prepared
}

func (t preparedTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	s, err := t.p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
}

func (t preparedTx) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	s, err := t.p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, s), nil
}

func (t preparedTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	s, err := t.p.stmt(ctx, q)
	if err != nil {
		return nil, err
	}
	return t.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
}

func (t preparedTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	s, err := t.p.stmt(ctx, q)
	if err != nil {
		return t.tx.QueryRowContext(ctx, q, args...)
	}
	return t.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
}
