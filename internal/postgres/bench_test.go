package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// The benchmarks measure the tenant-scoped queries with row-level security
// on (the store as it runs) and off (the owner ran NO FORCE / DISABLE ROW
// LEVEL SECURITY; Open's role check is skipped), over one seeded database of
// TENANTRY_BENCH_TENANTS personal tenants (100) of TENANTRY_BENCH_TASKS tasks
// (100), kept between runs as tenantry_bench_<schema hash>_<tenants>x<tasks>.
// Drop it by hand when done: while it exists, the test roles hold privileges
// in it, and postgrestest.Main reports them left behind.

func benchSize(b *testing.B) (tenants, tasks int) {
	b.Helper()
	get := func(name string, def int) int {
		v := os.Getenv(name)
		if v == "" {
			return def
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive integer", name, v)
		}
		return n
	}
	return get("TENANTRY_BENCH_TENANTS", 100), get("TENANTRY_BENCH_TASKS", 100)
}

// benchTarget is one task, and its tenant's owner.
type benchTarget struct{ user, tenant, task uuid.UUID }

// benchDatabase returns the seeded database and a sample of tasks to fetch,
// holding an advisory lock on it until b ends.
func benchDatabase(b *testing.B) (postgrestest.Database, []benchTarget) {
	b.Helper()
	ctx := context.Background()
	tenants, tasks := benchSize(b)
	db := postgrestest.Named(b, fmt.Sprintf("tenantry_bench_%s_%dx%d", postgrestest.SchemaHash(b), tenants, tasks))

	admin, err := pgx.Connect(ctx, postgrestest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Close(context.Background()) })
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", db.Name); err != nil {
		b.Fatal(err)
	}
	var seeded bool
	err = admin.QueryRow(ctx, `SELECT coalesce(shobj_description(oid, 'pg_database') = 'seeded', false)
		FROM pg_database WHERE datname = $1`, db.Name).Scan(&seeded)
	if err != nil && err != pgx.ErrNoRows {
		b.Fatal(err)
	}
	if !seeded {
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db.Name}.Sanitize()+" WITH (FORCE)"); err != nil {
			b.Fatal(err)
		}
		if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db.Name}.Sanitize()); err != nil {
			b.Fatal(err)
		}
		if err := postgres.Migrate(ctx, db.OwnerURL, postgrestest.AppRole); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		seed(b, db.OwnerURL, tenants, tasks)
		b.Logf("seeded %d tenants × %d tasks in %v", tenants, tasks, time.Since(start).Round(time.Millisecond))
		if _, err := admin.Exec(ctx, "COMMENT ON DATABASE "+pgx.Identifier{db.Name}.Sanitize()+" IS 'seeded'"); err != nil {
			b.Fatal(err)
		}
	}

	owner := connect(b, db.OwnerURL)
	rows, err := owner.Query(ctx, `
		SELECT DISTINCT ON (t.tenant_id) m.user_id, t.tenant_id, t.id
		FROM (SELECT id FROM tenants ORDER BY random() LIMIT 1000) s
		JOIN tasks t ON t.tenant_id = s.id
		JOIN memberships m ON m.tenant_id = t.tenant_id AND m.role = 'owner'
		ORDER BY t.tenant_id, random()`)
	if err != nil {
		b.Fatal(err)
	}
	targets, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (benchTarget, error) {
		var t benchTarget
		return t, r.Scan(&t.user, &t.tenant, &t.task)
	})
	if err != nil || len(targets) == 0 {
		b.Fatalf("sample tasks: %d, %v", len(targets), err)
	}
	return db, targets
}

// seed fills the database as the owner, which bypasses row-level security.
func seed(b *testing.B, ownerURL string, tenants, tasks int) {
	b.Helper()
	ctx := context.Background()
	conn := connect(b, ownerURL)
	for _, step := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (id, email, password_hash, created_at)
		  SELECT gen_random_uuid(), 'user' || i || '@example.com', 'x', now() FROM generate_series(1, $1::int) i`,
			[]any{tenants}},
		{`INSERT INTO tenants (id, kind, name, created_at) SELECT id, 'personal', email, created_at FROM users`, nil},
		{`INSERT INTO memberships (tenant_id, user_id, role, created_at) SELECT id, id, 'owner', created_at FROM users`, nil},
		// Ids in creation order, as UUIDv7 are: a time prefix, then random bits.
		{`INSERT INTO tasks (tenant_id, id, title, description, completed, created_at, updated_at)
		  SELECT u.id,
		         (lpad(to_hex(j), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' ||
		          substr(md5(random()::text), 1, 15))::uuid,
		         'task ' || j, CASE WHEN j % 2 = 0 THEN 'some description' END, j % 3 = 0, now(), now()
		  FROM users u CROSS JOIN generate_series(1, $1::int) j`,
			[]any{tasks}},
	} {
		if _, err := conn.Exec(ctx, step.sql, step.args...); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE"); err != nil {
		b.Fatalf("seed: %v", err)
	}
}

// setRLS turns row-level security on or off on the tenant tables, as the owner.
func setRLS(b *testing.B, ownerURL string, on bool) {
	b.Helper()
	sql := "ALTER TABLE %[1]s ENABLE ROW LEVEL SECURITY; ALTER TABLE %[1]s FORCE ROW LEVEL SECURITY"
	if !on {
		sql = "ALTER TABLE %[1]s NO FORCE ROW LEVEL SECURITY; ALTER TABLE %[1]s DISABLE ROW LEVEL SECURITY"
	}
	conn := connect(b, ownerURL)
	for _, table := range []string{"tenants", "memberships", "tasks"} {
		if _, err := conn.Exec(context.Background(), fmt.Sprintf(sql, table)); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRLS runs request with RLS on and off.
func benchRLS(b *testing.B, request func(ctx context.Context, s tenantry.Store, t benchTarget) error) {
	db, targets := benchDatabase(b)
	for _, on := range []bool{true, false} {
		b.Run(map[bool]string{true: "rls=on", false: "rls=off"}[on], func(b *testing.B) {
			setRLS(b, db.OwnerURL, on)
			b.Cleanup(func() { setRLS(b, db.OwnerURL, true) })
			store, err := postgres.OpenUnchecked(context.Background(), db.AppURL)
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			ctx := context.Background()
			// Warm the pool's connections and statement caches.
			for i := range min(len(targets), 200) {
				if err := request(ctx, store, targets[i]); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				if err := request(ctx, store, targets[i%len(targets)]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkGetTask is one task by id, as GET /api/{user_id}/tasks/{task_id}.
func BenchmarkGetTask(b *testing.B) {
	benchRLS(b, func(ctx context.Context, s tenantry.Store, t benchTarget) error {
		return s.View(ctx, t.user, t.tenant, func(tx tenantry.TenantAccess) error {
			_, err := tx.Task(ctx, t.task)
			return err
		})
	})
}

// BenchmarkListTasks50 is the first page of 50 tasks, as GET /api/{user_id}/tasks.
func BenchmarkListTasks50(b *testing.B) {
	benchRLS(b, func(ctx context.Context, s tenantry.Store, t benchTarget) error {
		return s.View(ctx, t.user, t.tenant, func(tx tenantry.TenantAccess) error {
			tasks, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 50})
			if err == nil && len(tasks) == 0 {
				err = fmt.Errorf("no tasks in tenant %s", t.tenant)
			}
			return err
		})
	})
}

// BenchmarkRLSOverhead measures both sides in the same loop, alternating
// request by request, so that load from other processes on the machine
// falls on both alike. "on" is the application role through postgres.Open;
// "off" is the same store code connected as the owner, a superuser here,
// which PostgreSQL exempts from every policy. It reports each side's time
// per request and the overhead of RLS in percent.
func BenchmarkRLSOverhead(b *testing.B) {
	db, targets := benchDatabase(b)
	setRLS(b, db.OwnerURL, true)
	ctx := context.Background()
	on, err := postgres.Open(ctx, db.AppURL)
	if err != nil {
		b.Fatal(err)
	}
	defer on.Close()
	off, err := postgres.OpenUnchecked(ctx, db.OwnerURL)
	if err != nil {
		b.Fatal(err)
	}
	defer off.Close()

	for _, c := range []struct {
		name    string
		request func(ctx context.Context, s tenantry.Store, t benchTarget) error
	}{
		{"GetTask", func(ctx context.Context, s tenantry.Store, t benchTarget) error {
			return s.View(ctx, t.user, t.tenant, func(tx tenantry.TenantAccess) error {
				_, err := tx.Task(ctx, t.task)
				return err
			})
		}},
		{"ListTasks50", func(ctx context.Context, s tenantry.Store, t benchTarget) error {
			return s.View(ctx, t.user, t.tenant, func(tx tenantry.TenantAccess) error {
				_, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 50})
				return err
			})
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for i := range min(len(targets), 200) {
				for _, s := range []tenantry.Store{on, off} {
					if err := c.request(ctx, s, targets[i]); err != nil {
						b.Fatal(err)
					}
				}
			}
			var onTime, offTime time.Duration
			timed := func(s tenantry.Store, t benchTarget) time.Duration {
				start := time.Now()
				if err := c.request(ctx, s, t); err != nil {
					b.Fatal(err)
				}
				return time.Since(start)
			}
			i := 0
			for b.Loop() {
				t := targets[i%len(targets)]
				if i%2 == 0 {
					onTime += timed(on, t)
					offTime += timed(off, t)
				} else {
					offTime += timed(off, t)
					onTime += timed(on, t)
				}
				i++
			}
			b.ReportMetric(float64(onTime.Nanoseconds())/float64(i), "on-ns/req")
			b.ReportMetric(float64(offTime.Nanoseconds())/float64(i), "off-ns/req")
			b.ReportMetric(100*(float64(onTime)/float64(offTime)-1), "overhead-%")
		})
	}
}
