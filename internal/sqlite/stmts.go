package sqlite

import (
	"context"
	"database/sql"
	"sync"

	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// stmtCache keeps one prepared statement per query text for a pool, so that
// SQLite parses and plans each query once per connection instead of on every
// call (parsing was a third of a get-by-id's CPU time).
//
// A statement is prepared in the background on its first use, and that use
// runs unprepared: preparing on the pool needs a connection, and the caller
// may be holding the only one (the write pool has one) inside a transaction.
// The background goroutine gets a connection once the caller lets go.
type stmtCache struct {
	pool *sql.DB

	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool // being prepared, or failed to prepare
	closed  bool
	wg      sync.WaitGroup
}

func newStmtCache(pool *sql.DB) *stmtCache {
	return &stmtCache{pool: pool, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// queries returns the generated queries, run on the pool outside any
// transaction.
func (c *stmtCache) queries() *sqlitedb.Queries { return sqlitedb.New(cachedDB{cache: c}) }

// get returns the prepared statement for query, or nil if it is not ready yet.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s := c.stmts[query]; s != nil {
		return s
	}
	if !c.pending[query] && !c.closed {
		c.pending[query] = true
		c.wg.Add(1)
		go c.prepare(query)
	}
	return nil
}

func (c *stmtCache) prepare(query string) {
	defer c.wg.Done()
	s, err := c.pool.PrepareContext(context.Background(), query)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		return // stays pending: the query keeps running unprepared
	}
	if c.closed {
		s.Close()
		return
	}
	delete(c.pending, query)
	c.stmts[query] = s
}

// close closes every prepared statement. Call it before closing the pool;
// preparations still waiting for a connection fail once the pool is closed.
func (c *stmtCache) close() {
	c.mu.Lock()
	c.closed = true
	for q, s := range c.stmts {
		s.Close()
		delete(c.stmts, q)
	}
	c.mu.Unlock()
}

// wait waits for background preparations to end; the pool must be closed
// (or free) for them to.
func (c *stmtCache) wait() { c.wg.Wait() }

// cachedDB runs sqlc's queries through the cache, on the pool directly or
// within tx.
type cachedDB struct {
	cache *stmtCache
	tx    *sql.Tx // nil outside a transaction
}

var _ sqlitedb.DBTX = cachedDB{}

func (c cachedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := c.cache.get(query); s != nil {
		if c.tx != nil {
			return c.tx.StmtContext(ctx, s).ExecContext(ctx, args...)
		}
		return s.ExecContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.ExecContext(ctx, query, args...)
	}
	return c.cache.pool.ExecContext(ctx, query, args...)
}

func (c cachedDB) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if c.tx != nil {
		return c.tx.PrepareContext(ctx, query)
	}
	return c.cache.pool.PrepareContext(ctx, query)
}

func (c cachedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := c.cache.get(query); s != nil {
		if c.tx != nil {
			return c.tx.StmtContext(ctx, s).QueryContext(ctx, args...)
		}
		return s.QueryContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.QueryContext(ctx, query, args...)
	}
	return c.cache.pool.QueryContext(ctx, query, args...)
}

func (c cachedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := c.cache.get(query); s != nil {
		if c.tx != nil {
			return c.tx.StmtContext(ctx, s).QueryRowContext(ctx, args...)
		}
		return s.QueryRowContext(ctx, args...)
	}
	if c.tx != nil {
		return c.tx.QueryRowContext(ctx, query, args...)
	}
	return c.cache.pool.QueryRowContext(ctx, query, args...)
}
