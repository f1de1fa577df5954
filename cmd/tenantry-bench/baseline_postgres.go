package main

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry/internal/postgres"
)

// The PostgreSQL baseline's statements: the text of the store's queries
// (internal/postgres/queries/tasks.sql), kept here so that the baseline is
// plain pgx and never the store's code.
const (
	pgTask = `SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at
FROM tasks WHERE tenant_id = $1 AND id = $2`
	pgTasks = `SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at
FROM tasks WHERE tenant_id = $1 AND id > $2
ORDER BY id LIMIT $3`
	pgCreateTask = `INSERT INTO tasks (tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at`
	pgReplaceTask = `UPDATE tasks SET title = $1, description = $2, completed = $3,
    assigned_user_id = $4, updated_at = $5
WHERE tenant_id = $6 AND id = $7
RETURNING tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at`
	// pgContext is the call docs/design.md requires in front of a
	// tenant's work, as the store sends it.
	pgContext = `SELECT role, kind FROM tenant_context($1, $2)`
)

// postgresBase runs the statements on a pgx pool of the default size, the
// pool the postgres store uses, connected as the owner, so row-level
// security does not apply. Its connections encode uuids as the store's do
// (postgres.RegisterUUID).
//
// With withContext (the floor, -floor), it connects as the application role
// instead, and sends every statement in one batch behind tenant_context(user,
// tenant), the path's tenant being its personal owner's id: one round trip
// and one implicit transaction, in which row-level security shows the
// tenant's rows and nothing else. That is the least any server following
// the design sends; nothing else of Tenantry's is added.
type postgresBase struct {
	pool        *pgxpool.Pool
	withContext bool
}

func openPostgresBase(ctx context.Context, url string, withContext bool) (baseQueries, func() error, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, nil, err
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		postgres.RegisterUUID(c)
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, nil, err
	}
	return &postgresBase{pool: pool, withContext: withContext}, func() error { pool.Close(); return nil }, nil
}

// query runs one statement for tenant and hands its rows to collect, which
// closes them. On the floor the statement travels behind tenant_context for
// the tenant's personal owner (the tenant's id is its owner's).
func (b *postgresBase) query(ctx context.Context, tenant uuid.UUID, collect func(pgx.Rows) error, sql string, args ...any) error {
	if !b.withContext {
		rows, err := b.pool.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		return collect(rows)
	}
	batch := &pgx.Batch{}
	batch.Queue(pgContext, tenant, tenant)
	batch.Queue(sql, args...)
	br := b.pool.SendBatch(ctx, batch)
	var role, kind string
	if err := br.QueryRow().Scan(&role, &kind); err != nil {
		return errors.Join(err, br.Close())
	}
	rows, err := br.Query()
	if err != nil {
		return errors.Join(err, br.Close())
	}
	return errors.Join(collect(rows), br.Close())
}

// scanPostgresTask reads one task row.
func scanPostgresTask(row pgx.CollectableRow) (baseTask, error) {
	var (
		t      baseTask
		assign *uuid.UUID
	)
	err := row.Scan(&t.TenantID, &t.ID, &t.Title, &t.Description, &t.Completed, &assign, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

// one runs a statement that answers one task; none is pgx.ErrNoRows.
func (b *postgresBase) one(ctx context.Context, tenant uuid.UUID, sql string, args ...any) (baseTask, error) {
	var t baseTask
	err := b.query(ctx, tenant, func(rows pgx.Rows) (err error) {
		t, err = pgx.CollectExactlyOneRow(rows, scanPostgresTask)
		return err
	}, sql, args...)
	return t, err
}

func (b *postgresBase) task(ctx context.Context, tenant, id uuid.UUID) (baseTask, error) {
	return b.one(ctx, tenant, pgTask, tenant, id)
}

func (b *postgresBase) tasks(ctx context.Context, tenant uuid.UUID, limit int) ([]baseTask, error) {
	var out []baseTask
	err := b.query(ctx, tenant, func(rows pgx.Rows) (err error) {
		// Grown by appending, as the store's generated scan grows its slice.
		out, err = pgx.AppendRows([]baseTask{}, rows, scanPostgresTask)
		return err
	}, pgTasks, tenant, uuid.Nil, int32(limit))
	return out, err
}

func (b *postgresBase) create(ctx context.Context, tenant uuid.UUID, in baseInput) (baseTask, error) {
	t := now()
	return b.one(ctx, tenant, pgCreateTask, tenant, uuid.Must(uuid.NewV7()), in.Title, in.Description,
		in.Completed, (*uuid.UUID)(nil), t, t)
}

func (b *postgresBase) replace(ctx context.Context, tenant, id uuid.UUID, in baseInput) (baseTask, error) {
	return b.one(ctx, tenant, pgReplaceTask, in.Title, in.Description, in.Completed, (*uuid.UUID)(nil), now(), tenant, id)
}
