package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// benchData is a seeded store: tenants personal tenants with tasks each.
type benchData struct {
	db    *DB
	users []uuid.UUID
	tasks [][]uuid.UUID // per user
}

// seedBench fills a fresh database in one write transaction, through the
// same generated queries the store uses.
func seedBench(b *testing.B, tenants, tasksPer int) benchData {
	b.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	d := benchData{db: db, users: make([]uuid.UUID, tenants), tasks: make([][]uuid.UUID, tenants)}
	err = inTx(ctx, db.write, func(q *sqlitedb.Queries) error {
		for i := range tenants {
			now := micros(db.now())
			uid := db.NewID()
			d.users[i] = uid
			if err := q.CreateUser(ctx, sqlitedb.CreateUserParams{
				ID: idBytes(uid), Email: fmt.Sprintf("user%d@example.com", i), PasswordHash: "x", CreatedAt: now,
			}); err != nil {
				return err
			}
			if err := q.CreateTenant(ctx, sqlitedb.CreateTenantParams{
				ID: idBytes(uid), Kind: string(tenantry.KindPersonal), Name: "t", CreatedAt: now,
			}); err != nil {
				return err
			}
			if err := q.AddMember(ctx, sqlitedb.AddMemberParams{
				TenantID: idBytes(uid), UserID: idBytes(uid), Role: string(tenantry.RoleOwner), CreatedAt: now,
			}); err != nil {
				return err
			}
			d.tasks[i] = make([]uuid.UUID, tasksPer)
			for j := range tasksPer {
				id := db.NewID()
				d.tasks[i][j] = id
				if err := q.CreateTask(ctx, sqlitedb.CreateTaskParams{
					TenantID: idBytes(uid), ID: idBytes(id), Title: fmt.Sprintf("task %d", j),
					Description: nullString(ptr("a short description")), Completed: j%3 == 0,
					CreatedAt: now, UpdatedAt: now,
				}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func ptr[T any](v T) *T { return &v }

func BenchmarkGetTask(b *testing.B) {
	d := seedBench(b, 100, 100)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		u, id := d.users[i%len(d.users)], d.tasks[i%len(d.users)][(i*7)%len(d.tasks[0])]
		i++
		if err := d.db.View(ctx, u, u, func(tx tenantry.TenantAccess) error {
			_, err := tx.Task(ctx, id)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListTasks50(b *testing.B) {
	d := seedBench(b, 100, 100)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		u := d.users[i%len(d.users)]
		i++
		if err := d.db.View(ctx, u, u, func(tx tenantry.TenantAccess) error {
			ts, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 50})
			if len(ts) != 50 {
				return fmt.Errorf("got %d tasks", len(ts))
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetTaskParallel(b *testing.B) {
	d := seedBench(b, 100, 100)
	ctx := context.Background()
	b.ResetTimer() // RunParallel, unlike b.Loop, would time the seeding
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			u, id := d.users[i%len(d.users)], d.tasks[i%len(d.users)][(i*7)%len(d.tasks[0])]
			i++
			if err := d.db.View(ctx, u, u, func(tx tenantry.TenantAccess) error {
				_, err := tx.Task(ctx, id)
				return err
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkCreateTask(b *testing.B) {
	d := seedBench(b, 100, 100)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		u := d.users[i%len(d.users)]
		i++
		if err := d.db.Update(ctx, u, u, func(tx tenantry.TenantAccess) error {
			_, err := tx.CreateTask(ctx, tenantry.NewTask{Title: "new"})
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
