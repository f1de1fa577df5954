package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authcache"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
	"github.com/tenantry/tenantry/internal/storetest"
)

// readTaskSQL is the store's get-by-id (queries/tasks.sql), spelled out so
// the variants below run it bare.
const readTaskSQL = `SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at
FROM tasks WHERE tenant_id = $1 AND id = $2`

// BenchmarkPostgresTenantRead takes a get-by-id apart on PostgreSQL, without
// HTTP: the bare statement (the load benchmark's baseline), the same
// statement inside a tenant transaction as the store once ran it (BEGIN,
// tenant_context, the query, COMMIT: four round trips), the same four
// statements pipelined in one round trip, and the store's own View.
// docs/performance.md quotes it.
//
//	TENANTRY_TEST_POSTGRES=... go test -run '^$' -bench PostgresTenantRead ./internal/postgres/
func BenchmarkPostgresTenantRead(b *testing.B) {
	ctx := context.Background()
	pdb := postgrestest.NewDatabase(b)
	const poolSize = 8
	store, err := postgres.Open(ctx, withPoolSize(b, pdb.AppURL, poolSize))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	data := storetest.SeedReads(b, store)
	owner := mustPool(b, pdb.OwnerURL, poolSize)
	app := mustPool(b, pdb.AppURL, poolSize)
	// scanTask reads a task row, discarding it.
	scanTask := func(row pgx.Row) error {
		var (
			tenant, id   uuid.UUID
			title        string
			desc         *string
			completed    bool
			assigned     *uuid.UUID
			created, upd time.Time
		)
		return row.Scan(&tenant, &id, &title, &desc, &completed, &assigned, &created, &upd)
	}
	run := func(b *testing.B, get func(ctx context.Context, user, task uuid.UUID) error) {
		storetest.RunReads(b, data, get)
	}
	b.Run("bare", func(b *testing.B) {
		run(b, func(ctx context.Context, user, task uuid.UUID) error {
			return scanTask(owner.QueryRow(ctx, readTaskSQL, user, task))
		})
	})
	b.Run("tx-sequential", func(b *testing.B) {
		run(b, func(ctx context.Context, user, task uuid.UUID) error {
			tx, err := app.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			var role, kind string
			if err := tx.QueryRow(ctx, `SELECT role, kind FROM tenant_context($1, $2)`, user, user).Scan(&role, &kind); err != nil {
				return err
			}
			if err := scanTask(tx.QueryRow(ctx, readTaskSQL, user, task)); err != nil {
				return err
			}
			return tx.Commit(ctx)
		})
	})
	b.Run("tx-pipelined", func(b *testing.B) {
		run(b, func(ctx context.Context, user, task uuid.UUID) error {
			// One round trip: the statements stay separate (one per
			// message), and if tenant_context raises, the query that
			// follows fails with the aborted transaction.
			var batch pgx.Batch
			batch.Queue("begin read only")
			batch.Queue(`SELECT role, kind FROM tenant_context($1, $2)`, user, user)
			batch.Queue(readTaskSQL, user, task)
			batch.Queue("commit")
			br := app.SendBatch(ctx, &batch)
			if _, err := br.Exec(); err != nil {
				br.Close()
				return err
			}
			var role, kind string
			if err := br.QueryRow().Scan(&role, &kind); err != nil {
				br.Close()
				return err
			}
			if err := scanTask(br.QueryRow()); err != nil {
				br.Close()
				return err
			}
			if _, err := br.Exec(); err != nil {
				br.Close()
				return err
			}
			return br.Close()
		})
	})
	// What the context call costs: the task statement pipelined behind a
	// trivial statement, and behind tenant_context, in one round trip, as a
	// View sends them. Both as the owner (here the test server's superuser,
	// so row-level security does not filter), as "bare" runs.
	pair := func(first string, withArgs bool) func(ctx context.Context, user, task uuid.UUID) error {
		return func(ctx context.Context, user, task uuid.UUID) error {
			var batch pgx.Batch
			if withArgs {
				batch.Queue(first, user, user)
			} else {
				batch.Queue(first)
			}
			batch.Queue(readTaskSQL, user, task)
			br := owner.SendBatch(ctx, &batch)
			if _, err := br.Exec(); err != nil {
				br.Close()
				return err
			}
			if err := scanTask(br.QueryRow()); err != nil {
				br.Close()
				return err
			}
			return br.Close()
		}
	}
	b.Run("pair-select1", func(b *testing.B) { run(b, pair("SELECT 1", false)) })
	b.Run("pair-context", func(b *testing.B) { run(b, pair(`SELECT role, kind FROM tenant_context($1, $2)`, true)) })
	// The per-request auth re-check: the store's TokenUser (one round
	// trip) and the same through authcache (a map lookup once cached).
	// Each user has one token, named by the user's id.
	b.Run("token-user-store", func(b *testing.B) {
		run(b, func(ctx context.Context, user, _ uuid.UUID) error {
			_, _, err := store.TokenUser(ctx, user, user.String())
			return err
		})
	})
	b.Run("token-user-authcache", func(b *testing.B) {
		cache := authcache.New(store, authcache.Options{})
		run(b, func(ctx context.Context, user, _ uuid.UUID) error {
			_, _, err := cache.TokenUser(ctx, user, user.String())
			return err
		})
	})
	b.Run("store-view", func(b *testing.B) {
		run(b, func(ctx context.Context, user, task uuid.UUID) error {
			return store.View(ctx, user, user, func(tx tenantry.TenantAccess) error {
				_, err := tx.Task(ctx, task)
				return err
			})
		})
	})
}

// withPoolSize returns the URL u with a pool of n connections.
func withPoolSize(tb testing.TB, u string, n int) string {
	tb.Helper()
	p, err := url.Parse(u)
	if err != nil {
		tb.Fatal(err)
	}
	q := p.Query()
	q.Set("pool_max_conns", fmt.Sprint(n))
	p.RawQuery = q.Encode()
	return p.String()
}

func mustPool(tb testing.TB, url string, size int) *pgxpool.Pool {
	tb.Helper()
	p, err := pgxpool.New(context.Background(), withPoolSize(tb, url, size))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	return p
}
