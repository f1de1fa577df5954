package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/internal/pgdb"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestAppendTasksReadsWhatTasksReads checks the hand-written page reads
// (pgdb/pages.go) against sqlc's Tasks and TasksByCompleted: the same rows,
// every column in its field, on full pages, a short last page, an empty
// one, and into a slice that already holds rows.
func TestAppendTasksReadsWhatTasksReads(t *testing.T) {
	t.Parallel()
	pdb := postgrestest.NewDatabase(t)
	ctx := context.Background()
	store := postgrestest.OpenURL(t, pdb.AppURL)
	u, err := store.CreateUser(ctx, "pages@example.com", "x")
	if err != nil {
		t.Fatal(err)
	}
	err = store.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
		for i := range 25 {
			in := tenantry.NewTask{Title: fmt.Sprintf("Task %d", i), Completed: i%3 == 0}
			if i%2 == 0 {
				d := fmt.Sprintf("description %d", i)
				in.Description = &d
			}
			if _, err := tx.CreateTask(ctx, in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// As the owner, which row-level security does not filter: the
	// queries' own tenant filter picks the rows.
	cfg, err := pgxpool.ParseConfig(pdb.OwnerURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error { postgres.RegisterUUID(c); return nil }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	q := pgdb.New(pool)
	held := []pgdb.Task{{Title: "already in the slice"}}
	for _, lim := range []int32{10, 25, 100} {
		for _, after := range []uuid.UUID{uuid.Nil, uuid.Max} {
			want, err := q.Tasks(ctx, pgdb.TasksParams{TenantID: u.ID, After: after, Lim: lim})
			if err != nil {
				t.Fatal(err)
			}
			got, err := q.AppendTasks(ctx, make([]pgdb.Task, 0, lim), pgdb.TasksParams{TenantID: u.ID, After: after, Lim: lim})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
				t.Errorf("AppendTasks(limit %d, after %v) = %d rows, Tasks %d, or they differ", lim, after, len(got), len(want))
			}
			more, err := q.AppendTasks(ctx, held, pgdb.TasksParams{TenantID: u.ID, After: after, Lim: lim})
			if err != nil {
				t.Fatal(err)
			}
			if len(more) != 1+len(want) || more[0] != held[0] || (len(want) > 0 && !reflect.DeepEqual(more[1:], want)) {
				t.Errorf("AppendTasks to a slice of one (limit %d, after %v): %d rows, want 1 + %d", lim, after, len(more), len(want))
			}
			for _, done := range []bool{false, true} {
				want, err := q.TasksByCompleted(ctx, pgdb.TasksByCompletedParams{TenantID: u.ID, Completed: done, After: after, Lim: lim})
				if err != nil {
					t.Fatal(err)
				}
				got, err := q.AppendTasksByCompleted(ctx, nil, pgdb.TasksByCompletedParams{TenantID: u.ID, Completed: done, After: after, Lim: lim})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(want) || (len(want) > 0 && !reflect.DeepEqual(got, want)) {
					t.Errorf("AppendTasksByCompleted(%v, limit %d, after %v) = %d rows, TasksByCompleted %d, or they differ", done, lim, after, len(got), len(want))
				}
			}
		}
	}
}
