package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// world is two organizations, A and B, with tasks, and users:
// alice owns A and is a plain member of B, bob owns B, carol was removed from A.
type world struct {
	db                postgrestest.Database
	store             *postgres.DB
	alice, bob, carol tenantry.User
	orgA, orgB        uuid.UUID
	tasksA, tasksB    int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	ctx := t.Context()
	w := &world{db: postgrestest.NewOwnedDatabase(t)}
	w.store = postgrestest.OpenURL(t, w.db.AppURL)
	w.alice = mustUser(t, w.store, "alice@example.com")
	w.bob = mustUser(t, w.store, "bob@example.com")
	w.carol = mustUser(t, w.store, "carol@example.com")
	w.orgA = mustOrg(t, w.store, w.alice, "A")
	w.orgB = mustOrg(t, w.store, w.bob, "B")
	update(t, w.store, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
		_, err := tx.AddMember(ctx, w.alice.ID, tenantry.RoleMember)
		return err
	})
	update(t, w.store, w.alice, w.orgA, func(tx tenantry.TenantAccess) error {
		if _, err := tx.AddMember(ctx, w.carol.ID, tenantry.RoleMember); err != nil {
			return err
		}
		return tx.RemoveMember(ctx, w.carol.ID)
	})
	w.tasksA, w.tasksB = 3, 2
	for range w.tasksA {
		update(t, w.store, w.alice, w.orgA, func(tx tenantry.TenantAccess) error {
			_, err := tx.CreateTask(ctx, tenantry.NewTask{Title: "a", AssignedUserID: &w.alice.ID})
			return err
		})
	}
	for range w.tasksB {
		update(t, w.store, w.bob, w.orgB, func(tx tenantry.TenantAccess) error {
			_, err := tx.CreateTask(ctx, tenantry.NewTask{Title: "b"})
			return err
		})
	}
	return w
}

func mustUser(t *testing.T, s tenantry.Store, email string) tenantry.User {
	t.Helper()
	u, err := s.CreateUser(t.Context(), email, "hash")
	if err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

func mustOrg(t *testing.T, s tenantry.Store, owner tenantry.User, name string) uuid.UUID {
	t.Helper()
	om, err := s.CreateOrg(t.Context(), owner.ID, name)
	if err != nil {
		t.Fatalf("CreateOrg(%s): %v", name, err)
	}
	return om.Org.ID
}

func update(t *testing.T, s tenantry.Store, u tenantry.User, tenant uuid.UUID, fn func(tenantry.TenantAccess) error) {
	t.Helper()
	if err := s.Update(t.Context(), u.ID, tenant, fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

// connect opens a plain connection, as the application role or the owner.
func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// inContext runs fn in a transaction of the application role that first
// calls tenant_context, as the store does, and rolls it back.
func inContext(t *testing.T, conn *pgx.Conn, user, tenant uuid.UUID, fn func(tx pgx.Tx)) {
	t.Helper()
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck
	if _, err := tx.Exec(t.Context(), "SELECT tenant_context($1, $2)", user, tenant); err != nil {
		t.Fatalf("tenant_context: %v", err)
	}
	fn(tx)
}

// tenantColumns names the tenant column of each tenant-owned table.
var tenantColumns = map[string]string{"tenants": "id", "memberships": "tenant_id", "tasks": "tenant_id"}

// tenantsOf returns the distinct tenant ids of a table's visible rows and
// how many rows there are.
func tenantsOf(t *testing.T, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, table string) (map[uuid.UUID]bool, int) {
	t.Helper()
	rows, err := q.Query(t.Context(), "SELECT "+tenantColumns[table]+" FROM "+table)
	if err != nil {
		t.Fatalf("select from %s: %v", table, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		t.Fatalf("select from %s: %v", table, err)
	}
	seen := map[uuid.UUID]bool{}
	for _, id := range ids {
		seen[id] = true
	}
	return seen, len(ids)
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("%s: got error %v, want SQLSTATE %s", what, err, code)
	}
	if got, want := pgErr.Code, code; got != want {
		t.Fatalf("%s: got SQLSTATE %s (%s), want %s", what, got, pgErr.Message, want)
	}
}

const (
	insufficientPrivilege = "42501"
	rlsViolation          = "42501" // new row violates row-level security policy
)

func TestSelectWithoutWhereSeesOnlyTheContextTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	app := connect(t, w.db.AppURL)
	inContext(t, app, w.alice.ID, w.orgA, func(tx pgx.Tx) {
		for table := range tenantColumns {
			seen, n := tenantsOf(t, tx, table)
			if n == 0 {
				t.Errorf("%s: no rows of A visible", table)
			}
			if got, want := len(seen), 1; got != want || !seen[w.orgA] {
				t.Errorf("%s: rows of tenants %v visible, want only A %s", table, seen, w.orgA)
			}
		}
		// alice is a member of B and has a personal tenant: none of those
		// memberships shows in A's context.
		var n int
		if err := tx.QueryRow(t.Context(), "SELECT count(*) FROM memberships").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if got, want := n, 1; got != want {
			t.Errorf("memberships visible in A: got %d, want %d (alice only)", got, want)
		}
	})
}

func TestUpdateAndDeleteWithoutWhereTouchOnlyTheContextTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	app := connect(t, w.db.AppURL)
	admin := connect(t, w.db.AdminURL)

	tx, err := app.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT tenant_context($1, $2)", w.alice.ID, w.orgA); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		sql  string
		want int64
	}{
		{"UPDATE tasks SET title = 'changed'", int64(w.tasksA)},
		{"UPDATE tenants SET name = 'changed'", 1},
		{"UPDATE memberships SET created_at = created_at", 1},
		{"DELETE FROM tasks", int64(w.tasksA)},
		{"DELETE FROM memberships", 1},
		{"DELETE FROM tenants", 1},
	} {
		tag, err := tx.Exec(ctx, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if got := tag.RowsAffected(); got != c.want {
			t.Errorf("%s: %d rows, want %d", c.sql, got, c.want)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	// A superuser sees past the policies: B is untouched.
	var tasksB, changed, orgs, members int
	err = admin.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM tasks WHERE tenant_id = $1),
		(SELECT count(*) FROM tasks WHERE title = 'changed'),
		(SELECT count(*) FROM tenants WHERE id = $1 AND name = 'B'),
		(SELECT count(*) FROM memberships WHERE tenant_id = $1)`, w.orgB).Scan(&tasksB, &changed, &orgs, &members)
	if err != nil {
		t.Fatal(err)
	}
	if tasksB != w.tasksB || changed != 0 || orgs != 1 || members != 2 {
		t.Errorf("B after A's unfiltered writes: %d tasks (want %d), %d changed (want 0), %d org rows (want 1), %d members (want 2)",
			tasksB, w.tasksB, changed, orgs, members)
	}
}

func TestInsertWithAnotherTenantIsRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	app := connect(t, w.db.AppURL)
	for _, c := range []struct {
		name string
		sql  string
		args []any
	}{
		{"task", "INSERT INTO tasks (tenant_id, id, title, created_at, updated_at) VALUES ($1, $2, 'x', now(), now())",
			[]any{w.orgB, uuid.New()}},
		{"membership", "INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES ($1, $2, 'owner', now())",
			[]any{w.orgB, w.carol.ID}},
		{"tenant", "INSERT INTO tenants (id, kind, name, created_at) VALUES ($1, 'org', 'x', now())",
			[]any{uuid.New()}},
		{"move task to B", "UPDATE tasks SET tenant_id = $1", []any{w.orgB}},
	} {
		inContext(t, app, w.alice.ID, w.orgA, func(tx pgx.Tx) {
			_, err := tx.Exec(t.Context(), c.sql, c.args...)
			wantCode(t, c.name, err, rlsViolation)
		})
	}
}

// TestNoContextNoRows covers a transaction that never set a context and one
// whose context was reset. (app.user_id without app.tenant_id is the
// user-level context of user_context: it shows the user's own memberships.)
func TestNoContextNoRows(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	app := connect(t, w.db.AppURL)

	check := func(t *testing.T, tx pgx.Tx) {
		t.Helper()
		for table := range tenantColumns {
			if _, n := tenantsOf(t, tx, table); n != 0 {
				t.Errorf("%s: %d rows visible without a context", table, n)
			}
		}
		for _, sql := range []string{"UPDATE tasks SET title = 'x'", "DELETE FROM tasks", "DELETE FROM memberships", "DELETE FROM tenants"} {
			tag, err := tx.Exec(ctx, sql)
			if err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
			if tag.RowsAffected() != 0 {
				t.Errorf("%s: %d rows changed without a context", sql, tag.RowsAffected())
			}
		}
		if _, err := tx.Exec(ctx, "SAVEPOINT ins"); err != nil {
			t.Fatal(err)
		}
		_, err := tx.Exec(ctx, "INSERT INTO tasks (tenant_id, id, title, created_at, updated_at) VALUES ($1, $2, 'x', now(), now())", w.orgA, uuid.New())
		wantCode(t, "insert without a context", err, rlsViolation)
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT ins"); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("never set", func(t *testing.T) {
		tx, err := app.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck
		check(t, tx)
	})
	for name, reset := range map[string]string{
		"reset":     "RESET app.tenant_id; RESET app.user_id",
		"set empty": "SELECT set_config('app.tenant_id', '', true), set_config('app.user_id', '', true)",
		"set local": "SET LOCAL app.tenant_id = ''; SET LOCAL app.user_id = ''",
	} {
		t.Run(name, func(t *testing.T) {
			inContext(t, app, w.alice.ID, w.orgA, func(tx pgx.Tx) {
				if _, n := tenantsOf(t, tx, "tasks"); n != w.tasksA {
					t.Fatalf("before the reset: %d tasks, want %d", n, w.tasksA)
				}
				if _, err := tx.Exec(ctx, reset); err != nil {
					t.Fatal(err)
				}
				check(t, tx)
			})
		})
	}
}

func TestTenantContextRefusesNonMembers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	app := connect(t, w.db.AppURL)
	for _, c := range []struct {
		name         string
		user, tenant uuid.UUID
	}{
		{"not a member", w.bob.ID, w.orgA},
		{"removed member", w.carol.ID, w.orgA},
		{"another's personal tenant", w.alice.ID, w.bob.ID},
		{"no such tenant", w.alice.ID, uuid.New()},
		{"no such user", uuid.New(), w.orgA},
	} {
		t.Run(c.name, func(t *testing.T) {
			tx, err := app.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(ctx) //nolint:errcheck
			if _, err := tx.Exec(ctx, "SAVEPOINT s"); err != nil {
				t.Fatal(err)
			}
			_, err = tx.Exec(ctx, "SELECT tenant_context($1, $2)", c.user, c.tenant)
			wantCode(t, "tenant_context", err, insufficientPrivilege)
			if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT s"); err != nil {
				t.Fatal(err)
			}
			for table := range tenantColumns {
				if _, n := tenantsOf(t, tx, table); n != 0 {
					t.Errorf("%s: %d rows visible after a refused context", table, n)
				}
			}

			err = w.store.View(ctx, c.user, c.tenant, func(tenantry.TenantAccess) error {
				t.Error("View ran fn for a non-member")
				return nil
			})
			if !errors.Is(err, tenantry.ErrNotMember) {
				t.Errorf("View: got %v, want ErrNotMember", err)
			}
		})
	}
}

// TestPoolOfOneConnection runs A's request and then B's on the same
// connection, with the store's own tenant filter removed.
func TestPoolOfOneConnection(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := t.Context()
	store := postgrestest.OpenURL(t, w.db.AppURL+"&pool_max_conns=1")
	postgrestest.Unfilter(store)

	count := func(u tenantry.User, tenant uuid.UUID) (n int) {
		t.Helper()
		err := store.View(ctx, u.ID, tenant, func(tx tenantry.TenantAccess) error {
			tasks, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 100})
			for _, task := range tasks {
				if task.TenantID != tenant {
					t.Errorf("tenant %s's request saw task of tenant %s", tenant, task.TenantID)
				}
			}
			n = len(tasks)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 3 {
		if got, want := count(w.alice, w.orgA), w.tasksA; got != want {
			t.Errorf("A: %d tasks, want %d", got, want)
		}
		if got, want := count(w.bob, w.orgB), w.tasksB; got != want {
			t.Errorf("B: %d tasks, want %d", got, want)
		}
	}

	// The connection comes back with no context at all.
	if err := store.View(ctx, w.alice.ID, w.orgA, func(tenantry.TenantAccess) error { return nil }); err != nil {
		t.Fatal(err)
	}
	var user, tenant string
	err := postgres.PoolOf(store).QueryRow(ctx,
		"SELECT coalesce(current_setting('app.user_id', true), ''), coalesce(current_setting('app.tenant_id', true), '')").
		Scan(&user, &tenant)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" || tenant != "" {
		t.Errorf("next use of the connection: app.user_id=%q app.tenant_id=%q, want both empty", user, tenant)
	}

	// A connection released inside a transaction is closed, never reused:
	// its SET LOCAL settings would still be in force. (pgxpool's Release
	// checks TxStatus() == 'I' itself; the store adds no release hook.)
	pool := postgres.PoolOf(store)
	pid := func() (pid uint32) {
		t.Helper()
		if err := pool.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
			t.Fatal(err)
		}
		return pid
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var inTx uint32
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&inTx); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "SELECT tenant_context($1, $2)", w.alice.ID, w.orgA); err != nil {
		t.Fatal(err)
	}
	conn.Release()
	if got := pid(); got == inTx {
		t.Errorf("the connection released inside a transaction (backend %d) was reused", inTx)
	}
	if got, want := count(w.bob, w.orgB), w.tasksB; got != want {
		t.Errorf("B after a release inside A's transaction: %d tasks, want %d", got, want)
	}

	// A session-level setting, which no code of the store makes, is not
	// undone at release: there is no release hook, and so no round trip. It is never seen by
	// a tenant statement, because tenant_context SET LOCALs all three
	// settings first, and the reset pipelined with every Update's COMMIT
	// removes it.
	_, err = pool.Exec(ctx,
		"SELECT set_config('app.user_id', $1, false), set_config('app.tenant_id', $2, false), set_config('app.tenant_ids', $3, false)",
		w.alice.ID.String(), w.orgA.String(), "{"+w.orgA.String()+"}")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := count(w.bob, w.orgB), w.tasksB; got != want {
		t.Errorf("B with A's session-level settings on the connection: %d tasks, want %d", got, want)
	}
	orgs, err := store.UserOrgs(ctx, w.bob.ID, tenantry.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(orgs), 1; got != want || orgs[0].Org.ID != w.orgB {
		t.Errorf("bob's orgs with A's session-level settings on the connection: %v, want only B", orgs)
	}
	update(t, store, w.bob, w.orgB, func(tenantry.TenantAccess) error { return nil })
	var ids string
	err = pool.QueryRow(ctx,
		"SELECT coalesce(current_setting('app.user_id', true), ''), coalesce(current_setting('app.tenant_id', true), ''), coalesce(current_setting('app.tenant_ids', true), '')").
		Scan(&user, &tenant, &ids)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" || tenant != "" || ids != "" {
		t.Errorf("after an Update: app.user_id=%q app.tenant_id=%q app.tenant_ids=%q, want all reset with its COMMIT", user, tenant, ids)
	}
}

func TestAppRoleCannotEscape(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	app := connect(t, w.db.AppURL)
	var owner, admin, self string
	if err := connect(t, w.db.OwnerURL).QueryRow(t.Context(), "SELECT current_user").Scan(&owner); err != nil {
		t.Fatal(err)
	}
	if err := app.QueryRow(t.Context(), "SELECT current_user").Scan(&self); err != nil {
		t.Fatal(err)
	}
	if err := connect(t, w.db.AdminURL).QueryRow(t.Context(), "SELECT current_user").Scan(&admin); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"SET ROLE " + pgx.Identifier{admin}.Sanitize(),
		"ALTER TABLE tasks DISABLE ROW LEVEL SECURITY",
		"ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY",
		"ALTER TABLE memberships DISABLE ROW LEVEL SECURITY",
		"ALTER POLICY tasks_select ON tasks USING (true)",
		"DROP POLICY tasks_select ON tasks",
		"CREATE POLICY everything ON tasks USING (true)",
		"SET ROLE " + pgx.Identifier{owner}.Sanitize(),
		"SET SESSION AUTHORIZATION " + pgx.Identifier{owner}.Sanitize(),
		"CREATE TABLE escape (id int)",
		"CREATE VIEW escape AS SELECT * FROM tasks",
		"CREATE FUNCTION escape() RETURNS int LANGUAGE sql AS 'SELECT 1'",
		"CREATE OR REPLACE FUNCTION tenant_context(p_user uuid, p_tenant uuid, OUT role text, OUT kind text) LANGUAGE sql AS $$ SELECT 'owner', 'org' $$",
		"ALTER FUNCTION tenant_context(uuid, uuid) SECURITY INVOKER",
		"GRANT " + pgx.Identifier{self}.Sanitize() + " TO " + pgx.Identifier{owner}.Sanitize(),
		"TRUNCATE tasks",
	} {
		_, err := app.Exec(t.Context(), sql)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || (pgErr.Code != "42501" && pgErr.Code != "42P17") {
			t.Errorf("%s: got %v, want a permission error", sql, err)
		}
	}
}

func TestOpenRefusesRolesThatBypassRLS(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	for _, c := range []struct {
		name  string
		setup string // run as the owner before Open
		owner bool   // open as the owner
		want  []string
	}{
		{name: "superuser", owner: true, want: []string{"superuser", "tenantry_app"}},
		{name: "force off", setup: "ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY",
			want: []string{"tasks", "FORCE ROW LEVEL SECURITY"}},
		{name: "rls off", setup: "ALTER TABLE memberships DISABLE ROW LEVEL SECURITY",
			want: []string{"memberships", "ENABLE ROW LEVEL SECURITY"}},
		{name: "owns a table", setup: "ALTER TABLE tenants OWNER TO " + postgrestest.AppRole, want: []string{"owns table tenants"}},
		{name: "new tenant table without RLS", setup: "CREATE TABLE notes (tenant_id uuid, body text); GRANT SELECT ON notes TO " + postgrestest.AppRole,
			want: []string{"notes"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := postgrestest.NewFreshDatabase(t)
			if c.setup != "" {
				if _, err := connect(t, db.OwnerURL).Exec(ctx, c.setup); err != nil {
					t.Fatal(err)
				}
			}
			url := db.AppURL
			if c.owner {
				url = db.OwnerURL
			}
			store, err := postgres.Open(ctx, url)
			if err == nil {
				store.Close()
				t.Fatal("Open succeeded, want a refusal")
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

// TestOwnerIsSubjectToRLS: FORCE makes the policies apply to the tables'
// owner as well (a plain role, as in production), so even a connection as
// the owner sees nothing without a context.
func TestOwnerIsSubjectToRLS(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	owner := connect(t, w.db.OwnerURL)
	for table := range tenantColumns {
		if _, n := tenantsOf(t, owner, table); n != 0 {
			t.Errorf("%s: the owner sees %d rows without a context", table, n)
		}
	}
	inContext(t, owner, w.bob.ID, w.orgB, func(tx pgx.Tx) {
		seen, n := tenantsOf(t, tx, "tasks")
		if n != w.tasksB || len(seen) != 1 || !seen[w.orgB] {
			t.Errorf("the owner in B's context: %d tasks of tenants %v, want %d of B", n, seen, w.tasksB)
		}
	})
}

func TestOpenAcceptsTheAppRole(t *testing.T) {
	t.Parallel()
	db := postgrestest.NewDatabase(t)
	store, err := postgres.Open(t.Context(), db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	// Migrating again is a no-op that re-checks the role and grants.
	if err := postgres.Migrate(t.Context(), db.OwnerURL, postgrestest.AppRole); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
}

// TestLastOwnerUnderConcurrency has two owners demote each other at once:
// exactly one may succeed.
func TestLastOwnerUnderConcurrency(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := postgrestest.MustOpen(t)
	a := mustUser(t, store, "a@example.com")
	b := mustUser(t, store, "b@example.com")
	for round := range 5 {
		org := mustOrg(t, store, a, "org")
		update(t, store, a, org, func(tx tenantry.TenantAccess) error {
			_, err := tx.AddMember(ctx, b.ID, tenantry.RoleOwner)
			return err
		})
		ready := make(chan struct{})
		errs := make(chan error, 2)
		demote := func(actor, target tenantry.User, remove bool) {
			errs <- store.Update(ctx, actor.ID, org, func(tx tenantry.TenantAccess) error {
				<-ready
				if remove {
					return tx.RemoveMember(ctx, target.ID)
				}
				_, err := tx.SetRole(ctx, target.ID, tenantry.RoleMember)
				return err
			})
		}
		go demote(a, b, round%2 == 0)
		go demote(b, a, false)
		close(ready)
		var ok, lastOwner int
		for range 2 {
			switch err := <-errs; {
			case err == nil:
				ok++
			case errors.Is(err, tenantry.ErrLastOwner):
				lastOwner++
			case errors.Is(err, tenantry.ErrNotMember) && round%2 == 0:
				// a's removal of b committed before b's transaction began:
				// b is refused at the door instead of at the owner check.
				lastOwner++
			default:
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if ok != 1 || lastOwner != 1 {
			t.Fatalf("round %d: %d succeeded and %d were refused, want 1 and 1", round, ok, lastOwner)
		}
		var owners int
		err := store.View(ctx, a.ID, org, func(tx tenantry.TenantAccess) error {
			members, err := tx.Members(ctx, tenantry.Page{})
			for _, m := range members {
				if m.Role == tenantry.RoleOwner {
					owners++
				}
			}
			return err
		})
		if err != nil && !errors.Is(err, tenantry.ErrNotMember) {
			t.Fatal(err)
		}
		if errors.Is(err, tenantry.ErrNotMember) {
			err = store.View(ctx, b.ID, org, func(tx tenantry.TenantAccess) error {
				members, err := tx.Members(ctx, tenantry.Page{})
				for _, m := range members {
					if m.Role == tenantry.RoleOwner {
						owners++
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if got, want := owners, 1; got != want {
			t.Fatalf("round %d: %d owners left, want %d", round, got, want)
		}
	}
}

// TestUpdateWhoseFnSwallowsADatabaseErrorKeepsNothing: after a failed
// statement PostgreSQL turns COMMIT into ROLLBACK; Update must say so.
func TestUpdateWhoseFnSwallowsADatabaseErrorKeepsNothing(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := postgrestest.MustOpen(t)
	u := mustUser(t, store, "u@example.com")
	err := store.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
		if _, err := tx.CreateTask(ctx, tenantry.NewTask{Title: "kept?"}); err != nil {
			return err
		}
		if _, err := tx.CreateTask(ctx, tenantry.NewTask{Title: "nul \x00 byte"}); err == nil {
			t.Error("CreateTask with a NUL byte succeeded; PostgreSQL text cannot hold one")
		}
		return nil
	})
	if err == nil {
		t.Fatal("Update returned nil after its transaction was aborted")
	}
	err = store.View(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
		tasks, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: 10})
		if got, want := len(tasks), 0; got != want {
			t.Errorf("%d tasks kept, want %d", got, want)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
