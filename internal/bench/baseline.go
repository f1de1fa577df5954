package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite" // the driver the sqlite store uses

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/pgdb"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitedb"
)

// The baseline is the limit the benchmark chases: a bare net/http handler
// that runs the same sqlc-generated statements the stores run, against the
// same data, with nothing around them — no authentication, no tenant check
// or transaction, no validation, no logging, no problem+json. Its routes take
// the tenant from the path:
//
//	GET  /b/{tenant}/tasks/{id}   Task
//	GET  /b/{tenant}/tasks        Tasks, limit 50
//	POST /b/{tenant}/tasks        CreateTask
//	PUT  /b/{tenant}/tasks/{id}   ReplaceTask

// baseTask is the baseline's JSON answer: the task's columns.
type baseTask struct {
	ID          uuid.UUID `json:"id"`
	TenantID    uuid.UUID `json:"tenant_id"`
	Title       string    `json:"title"`
	Description *string   `json:"description"`
	Completed   bool      `json:"completed"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// baseInput is the body of a create or replace.
type baseInput struct {
	Title       string  `json:"title"`
	Description *string `json:"description"`
	Completed   bool    `json:"completed"`
}

// baseQueries is what the baseline asks of one engine.
type baseQueries interface {
	task(ctx context.Context, tenant, id uuid.UUID) (baseTask, error)
	tasks(ctx context.Context, tenant uuid.UUID, limit int) ([]baseTask, error)
	create(ctx context.Context, tenant uuid.UUID, in baseInput) (baseTask, error)
	replace(ctx context.Context, tenant, id uuid.UUID, in baseInput) (baseTask, error)
}

func baselineHandler(ctx context.Context, spec childSpec) (http.Handler, func() error, error) {
	var (
		q       baseQueries
		cleanup func() error
		err     error
	)
	switch spec.Engine {
	case "sqlite":
		q, cleanup, err = openSQLiteBase(ctx, spec.DSN)
	case "postgres":
		q, cleanup, err = openPostgresBase(ctx, spec.DSN, spec.Context)
	default:
		err = fmt.Errorf("unknown engine %q", spec.Engine)
	}
	if err != nil {
		return nil, nil, err
	}
	return baseRoutes(q), cleanup, nil
}

func baseRoutes(q baseQueries) http.Handler {
	mux := http.NewServeMux()
	ids := func(r *http.Request) (uuid.UUID, uuid.UUID) {
		t, _ := uuid.Parse(r.PathValue("tenant"))
		id, _ := uuid.Parse(r.PathValue("id"))
		return t, id
	}
	answer := func(w http.ResponseWriter, status int, v any, err error) {
		if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /b/{tenant}/tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		t, id := ids(r)
		task, err := q.task(r.Context(), t, id)
		answer(w, http.StatusOK, task, err)
	})
	mux.HandleFunc("GET /b/{tenant}/tasks", func(w http.ResponseWriter, r *http.Request) {
		t, _ := ids(r)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if limit <= 0 {
			limit = 50
		}
		tasks, err := q.tasks(r.Context(), t, limit)
		answer(w, http.StatusOK, tasks, err)
	})
	mux.HandleFunc("POST /b/{tenant}/tasks", func(w http.ResponseWriter, r *http.Request) {
		t, _ := ids(r)
		var in baseInput
		_ = json.NewDecoder(r.Body).Decode(&in)
		task, err := q.create(r.Context(), t, in)
		answer(w, http.StatusCreated, task, err)
	})
	mux.HandleFunc("PUT /b/{tenant}/tasks/{id}", func(w http.ResponseWriter, r *http.Request) {
		t, id := ids(r)
		var in baseInput
		_ = json.NewDecoder(r.Body).Decode(&in)
		task, err := q.replace(r.Context(), t, id, in)
		answer(w, http.StatusOK, task, err)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	return mux
}

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// sqliteBase opens the file the way the sqlite store does: one writer
// connection and a pool of query-only readers, with the same pragmas.
type sqliteBase struct {
	read, write *sqlitedb.Queries
	readDB      *sql.DB
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
	if err := errors.Join(read.PingContext(ctx), write.PingContext(ctx)); err != nil {
		read.Close()
		write.Close()
		return nil, nil, err
	}
	b := &sqliteBase{read: sqlitedb.New(newPrepared(read)), write: sqlitedb.New(newPrepared(write)), readDB: read}
	return b, func() error { return errors.Join(read.Close(), write.Close()) }, nil
}

// prepared runs each query text as a statement prepared once per pool (and
// by database/sql once per connection), as the sqlite store does, so the
// baseline does not parse SQL the store no longer parses. pgx caches
// prepared statements by itself.
type prepared struct {
	db    *sql.DB
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

func newPrepared(db *sql.DB) *prepared { return &prepared{db: db, stmts: make(map[string]*sql.Stmt)} }

func (p *prepared) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.stmts[query]; ok {
		return s, nil
	}
	s, err := p.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.stmts[query] = s
	return s, nil
}

// ExecContext runs a prepared statement.
func (p *prepared) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// PrepareContext returns the prepared statement.
func (p *prepared) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.stmt(ctx, query)
}

// QueryContext runs a prepared statement.
func (p *prepared) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext runs a prepared statement. A failure to prepare shows
// when the row is scanned, as with *sql.DB.
func (p *prepared) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := p.stmt(ctx, query)
	if err != nil {
		return p.db.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

func fromSQLite(r sqlitedb.Task) baseTask {
	t := baseTask{Title: r.Title, Completed: r.Completed,
		CreatedAt: time.UnixMicro(r.CreatedAt).UTC(), UpdatedAt: time.UnixMicro(r.UpdatedAt).UTC()}
	copy(t.ID[:], r.ID)
	copy(t.TenantID[:], r.TenantID)
	if r.Description.Valid {
		t.Description = &r.Description.String
	}
	return t
}

func nullString(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *s, Valid: true}
}

func (b *sqliteBase) task(ctx context.Context, tenant, id uuid.UUID) (baseTask, error) {
	r, err := b.read.Task(ctx, sqlitedb.TaskParams{TenantID: tenant[:], ID: id[:]})
	return fromSQLite(r), err
}

func (b *sqliteBase) tasks(ctx context.Context, tenant uuid.UUID, limit int) ([]baseTask, error) {
	rows, err := b.read.Tasks(ctx, sqlitedb.TasksParams{TenantID: tenant[:], After: []byte{}, Limit: int64(limit)})
	out := make([]baseTask, len(rows))
	for i, r := range rows {
		out[i] = fromSQLite(r)
	}
	return out, err
}

func (b *sqliteBase) create(ctx context.Context, tenant uuid.UUID, in baseInput) (baseTask, error) {
	id, t := uuid.Must(uuid.NewV7()), now()
	err := b.write.CreateTask(ctx, sqlitedb.CreateTaskParams{
		TenantID: tenant[:], ID: id[:], Title: in.Title, Description: nullString(in.Description),
		Completed: in.Completed, CreatedAt: t.UnixMicro(), UpdatedAt: t.UnixMicro(),
	})
	return baseTask{ID: id, TenantID: tenant, Title: in.Title, Description: in.Description,
		Completed: in.Completed, CreatedAt: t, UpdatedAt: t}, err
}

func (b *sqliteBase) replace(ctx context.Context, tenant, id uuid.UUID, in baseInput) (baseTask, error) {
	r, err := b.write.ReplaceTask(ctx, sqlitedb.ReplaceTaskParams{
		TenantID: tenant[:], ID: id[:], Title: in.Title, Description: nullString(in.Description),
		Completed: in.Completed, UpdatedAt: now().UnixMicro(),
	})
	return fromSQLite(r), err
}

// postgresBase runs the statements on a pgx pool of the default size, the
// pool the postgres store uses, connected as the owner, so row-level
// security does not apply. Its connections encode uuids as the store's do
// (postgres.RegisterUUID).
//
// With withContext (the floor, -floor), it connects as the application role
// instead, and sends every statement in one batch behind the call that
// docs/design.md requires in front of a tenant's work, tenant_context(user,
// tenant), the path's tenant being its personal owner's id: one round trip
// and one implicit transaction, in which row-level security shows the
// tenant's rows and nothing else. That is the least any server following
// the design sends; nothing else of Tenantry's is added.
type postgresBase struct {
	pool        *pgxpool.Pool
	q           *pgdb.Queries // on the pool itself, without withContext
	withContext bool
}

// queries returns the statements to run for tenant.
func (b *postgresBase) queries(tenant uuid.UUID) *pgdb.Queries {
	if b.withContext {
		return pgdb.New(contextDB{pool: b.pool, tenant: tenant})
	}
	return b.q
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
	return &postgresBase{pool: pool, q: pgdb.New(pool), withContext: withContext}, func() error { pool.Close(); return nil }, nil
}

// contextDB sends each statement behind tenant_context in one batch, for
// the tenant's personal owner (the tenant's id is its owner's).
type contextDB struct {
	pool   *pgxpool.Pool
	tenant uuid.UUID
}

func (c contextDB) send(ctx context.Context, sql string, args []any) (pgx.BatchResults, error) {
	b := &pgx.Batch{}
	b.Queue(postgres.ContextSQL, c.tenant, c.tenant) // the store's own context statement
	b.Queue(sql, args...)
	br := c.pool.SendBatch(ctx, b)
	var role, kind string
	if err := br.QueryRow().Scan(&role, &kind); err != nil {
		_ = br.Close()
		return nil, err
	}
	return br, nil
}

func (c contextDB) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	br, err := c.send(ctx, sql, args)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

func (c contextDB) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	br, err := c.send(ctx, sql, args)
	if err != nil {
		return nil, err
	}
	return postgres.BatchQuery(br)
}

func (c contextDB) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return postgres.BatchRow(func() (pgx.BatchResults, error) { return c.send(ctx, sql, args) })
}

func fromPostgres(r pgdb.Task) baseTask {
	return baseTask{ID: r.ID, TenantID: r.TenantID, Title: r.Title, Description: r.Description,
		Completed: r.Completed, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (b *postgresBase) task(ctx context.Context, tenant, id uuid.UUID) (baseTask, error) {
	r, err := b.queries(tenant).Task(ctx, pgdb.TaskParams{TenantID: tenant, ID: id})
	return fromPostgres(r), err
}

func (b *postgresBase) tasks(ctx context.Context, tenant uuid.UUID, limit int) ([]baseTask, error) {
	rows, err := b.queries(tenant).Tasks(ctx, pgdb.TasksParams{TenantID: tenant, Lim: int32(limit)})
	out := make([]baseTask, len(rows))
	for i, r := range rows {
		out[i] = fromPostgres(r)
	}
	return out, err
}

func (b *postgresBase) create(ctx context.Context, tenant uuid.UUID, in baseInput) (baseTask, error) {
	t := now()
	r, err := b.queries(tenant).CreateTask(ctx, pgdb.CreateTaskParams{
		TenantID: tenant, ID: uuid.Must(uuid.NewV7()), Title: in.Title, Description: in.Description,
		Completed: in.Completed, CreatedAt: t, UpdatedAt: t,
	})
	return fromPostgres(r), err
}

func (b *postgresBase) replace(ctx context.Context, tenant, id uuid.UUID, in baseInput) (baseTask, error) {
	r, err := b.queries(tenant).ReplaceTask(ctx, pgdb.ReplaceTaskParams{
		TenantID: tenant, ID: id, Title: in.Title, Description: in.Description,
		Completed: in.Completed, UpdatedAt: now(),
	})
	return fromPostgres(r), err
}
