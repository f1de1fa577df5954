package sqlite_test

import (
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite"
	"github.com/tenantry/tenantry/internal/sqlite/sqlitetest"
	"github.com/tenantry/tenantry/internal/storetest"
)

func TestStore(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) tenantry.Store { return sqlitetest.MustOpen(t) })
}

// rawDB opens path with plain database/sql, for looking behind the store.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpen_MigrationsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tenantry.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, "bob@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Migrate(ctx, path); err != nil {
		t.Fatalf("Migrate on a migrated database: %v", err)
	}
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	got, err := db.UserByID(ctx, u.ID)
	if err != nil {
		t.Fatalf("UserByID after reopen: %v", err)
	}
	if got.Email != u.Email {
		t.Errorf("Email = %q, want %q", got.Email, u.Email)
	}
	var applied int
	if err := rawDB(t, path).QueryRowContext(ctx,
		"SELECT count(*) FROM goose_db_version WHERE version_id > 0").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	if got, want := applied, len(files); got != want {
		t.Errorf("applied migrations = %d, want %d (each once)", got, want)
	}
}

func TestMigrate_CreatesSchema(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "fresh.db")
	if err := sqlite.Migrate(ctx, path); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := rawDB(t, path).QueryRowContext(ctx,
		"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN ('users','tenants','memberships','tasks','sessions','revoked_tokens')").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if got, want := n, 6; got != want {
		t.Errorf("tables = %d, want %d", got, want)
	}
}

func TestOpen_RejectsNonFilePaths(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", ":memory:", "file::memory:?cache=shared", "x.db?_pragma=foreign_keys(0)"} {
		if db, err := sqlite.Open(t.Context(), path); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

func TestOpen_Pragmas(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tenantry.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := rawDB(t, path).QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if got, want := mode, "wal"; got != want {
		t.Errorf("journal_mode = %q, want %q", got, want)
	}
}

func TestOpen_ForeignKeysEnforced(t *testing.T) {
	t.Parallel()
	db := sqlitetest.MustOpen(t)
	ctx := t.Context()
	u, err := db.CreateUser(ctx, "bob@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	// A session of a user that does not exist is refused by the foreign key.
	err = db.CreateSession(ctx, tenantry.Session{IDHash: []byte("h"), UserID: db.NewID()}, nil)
	if !errors.Is(err, tenantry.ErrUserNotFound) {
		t.Errorf("CreateSession for no user: %v, want ErrUserNotFound", err)
	}
	if err := db.CreateSession(ctx, tenantry.Session{IDHash: []byte("h"), UserID: u.ID}, nil); err != nil {
		t.Errorf("CreateSession: %v", err)
	}
}

// Many goroutines writing at once queue for the one write connection
// instead of failing with SQLITE_BUSY.
func TestConcurrentWriters_NoBusy(t *testing.T) {
	t.Parallel()
	db := sqlitetest.MustOpen(t)
	ctx := t.Context()
	const writers, each = 8, 25
	users := make([]tenantry.User, writers)
	for i := range users {
		u, err := db.CreateUser(ctx, string(rune('a'+i))+"@example.com", "hash")
		if err != nil {
			t.Fatal(err)
		}
		users[i] = u
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for _, u := range users {
		wg.Add(2)
		go func() {
			defer wg.Done()
			for range each {
				errs <- db.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
					_, err := tx.CreateTask(ctx, tenantry.NewTask{Title: "t"})
					return err
				})
			}
		}()
		go func() {
			defer wg.Done()
			for range each {
				_, err := db.CreateOrg(ctx, u.ID, "org")
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent write: %v", err)
		}
	}
	for _, u := range users {
		var n int
		if err := db.View(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
			ts, err := tx.Tasks(ctx, tenantry.TaskFilter{Limit: tenantry.MaxPageSize})
			n = len(ts)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if n != each {
			t.Errorf("user %s has %d tasks, want %d", u.Email, n, each)
		}
	}
}

// Now and NewID are the store's only sources of time and ids.
func TestInjectedClockAndIDs(t *testing.T) {
	t.Parallel()
	db := sqlitetest.MustOpen(t)
	ctx := t.Context()
	at := mustTime(t, "2026-01-02T03:04:05.123456789+02:00")
	db.Now = func() time.Time { return at }
	ids := []uuid.UUID{
		uuid.MustParse("01900000-0000-7000-8000-000000000001"),
		uuid.MustParse("01900000-0000-7000-8000-000000000002"),
	}
	db.NewID = func() uuid.UUID { id := ids[0]; ids = ids[1:]; return id }
	u, err := db.CreateUser(ctx, "bob@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	want := at.UTC().Truncate(time.Microsecond)
	if got := u.ID; got.String() != "01900000-0000-7000-8000-000000000001" {
		t.Errorf("user id = %v", got)
	}
	if !u.CreatedAt.Equal(want) || u.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt = %v, want %v", u.CreatedAt, want)
	}
	var task tenantry.Task
	if err := db.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
		task, err = tx.CreateTask(ctx, tenantry.NewTask{Title: "t"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := task.ID.String(); got != "01900000-0000-7000-8000-000000000002" {
		t.Errorf("task id = %v", got)
	}
	if !task.CreatedAt.Equal(want) {
		t.Errorf("task CreatedAt = %v, want %v", task.CreatedAt, want)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// A lone organization is deleted with its last member; the store API cannot
// see an orphan, so look at the rows.
func TestDeleteUser_DropsLoneOrg(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "tenantry.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.CreateUser(ctx, "bob@example.com", "hash")
	if err != nil {
		t.Fatal(err)
	}
	om, err := db.CreateOrg(ctx, u.ID, "Solo")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(ctx, u.ID, om.Org.ID, func(tx tenantry.TenantAccess) error {
		_, err := tx.CreateTask(ctx, tenantry.NewTask{Title: "t", AssignedUserID: &u.ID})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	raw := rawDB(t, path)
	for _, table := range []string{"users", "tenants", "memberships", "tasks"} {
		var n int
		if err := raw.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s has %d rows left, want 0", table, n)
		}
	}
}
