package postgres

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// PoolOf exposes the store's pool to this package's tests.
func PoolOf(db *DB) *pgxpool.Pool { return db.pool }

// OpenUnchecked opens a store without the start-up role check, for the
// benchmarks that measure the same store with row-level security bypassed.
func OpenUnchecked(ctx context.Context, url string) (*DB, error) { return open(ctx, url) }
