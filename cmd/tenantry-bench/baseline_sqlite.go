package main

import (
	"context"
	"database/sql"
	"errors"
	"runtime"
	"time"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // the driver the sqlite store uses
)

// The SQLite baseline's statements: the text of the store's queries
// (internal/sqlite/queries/tasks.sql), kept here so that the baseline is
// plain database/sql and never the store's code.
const (
	sqliteTask = `SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at
FROM tasks
WHERE tenant_id = ?1 AND id = ?2`
	sqliteTasks = `SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at
FROM tasks
WHERE tenant_id = ?1 AND id > ?2
ORDER BY id
LIMIT ?3`
	sqliteCreateTask = `INSERT INTO tasks (tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`
	sqliteReplaceTask = `UPDATE tasks
SET title = ?1, description = ?2, completed = ?3, assigned_user_id = ?4, updated_at = ?5
WHERE tenant_id = ?6 AND id = ?7
RETURNING tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at`
)

// sqliteBase opens the file the way the sqlite store does: one writer
// connection and a pool of query-only readers, with the same pragmas. Each
// statement is prepared once per pool (and by database/sql once per
// connection), as the store's statement cache does, so the baseline does
// not parse SQL the store no longer parses.
type sqliteBase struct {
	get, list, insert, update *sql.Stmt
}

func openSQLiteBase(ctx context.Context, path string) (baseQueries, func() error, error) {
	const pragmas = "?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	write, err := sql.Open("sqlite", path+pragmas)
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", path+pragmas+"&_query_only=1")
	if err != nil {
		write.Close()
		return nil, nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	closeAll := func() error { return errors.Join(read.Close(), write.Close()) }
	var b sqliteBase
	for _, s := range []struct {
		stmt  **sql.Stmt
		db    *sql.DB
		query string
	}{
		{&b.get, read, sqliteTask},
		{&b.list, read, sqliteTasks},
		{&b.insert, write, sqliteCreateTask},
		{&b.update, write, sqliteReplaceTask},
	} {
		if *s.stmt, err = s.db.PrepareContext(ctx, s.query); err != nil {
			_ = closeAll()
			return nil, nil, err
		}
	}
	return &b, closeAll, nil
}

// scanSQLiteTask reads one task row, as the store's columns hold it: ids
// as 16-byte BLOBs and times as integer microseconds.
func scanSQLiteTask(scan func(dest ...any) error) (baseTask, error) {
	var (
		t                  baseTask
		tenant, id, assign []byte
		desc               sql.NullString
		created, updated   int64
	)
	if err := scan(&tenant, &id, &t.Title, &desc, &t.Completed, &assign, &created, &updated); err != nil {
		return t, err
	}
	copy(t.TenantID[:], tenant)
	copy(t.ID[:], id)
	if desc.Valid {
		t.Description = &desc.String
	}
	t.CreatedAt, t.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return t, nil
}

func nullString(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *s, Valid: true}
}

func (b *sqliteBase) task(ctx context.Context, tenant, id uuid.UUID) (baseTask, error) {
	return scanSQLiteTask(b.get.QueryRowContext(ctx, tenant[:], id[:]).Scan)
}

func (b *sqliteBase) tasks(ctx context.Context, tenant uuid.UUID, limit int) ([]baseTask, error) {
	rows, err := b.list.QueryContext(ctx, tenant[:], []byte{}, int64(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []baseTask{} // grown by appending, as the store's generated scan grows its slice
	for rows.Next() {
		t, err := scanSQLiteTask(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, errors.Join(rows.Close(), rows.Err())
}

func (b *sqliteBase) create(ctx context.Context, tenant uuid.UUID, in baseInput) (baseTask, error) {
	id, t := uuid.Must(uuid.NewV7()), now()
	_, err := b.insert.ExecContext(ctx, tenant[:], id[:], in.Title, nullString(in.Description),
		in.Completed, nil, t.UnixMicro(), t.UnixMicro())
	return baseTask{ID: id, TenantID: tenant, Title: in.Title, Description: in.Description,
		Completed: in.Completed, CreatedAt: t, UpdatedAt: t}, err
}

func (b *sqliteBase) replace(ctx context.Context, tenant, id uuid.UUID, in baseInput) (baseTask, error) {
	return scanSQLiteTask(b.update.QueryRowContext(ctx, in.Title, nullString(in.Description), in.Completed,
		nil, now().UnixMicro(), tenant[:], id[:]).Scan)
}
