//go:build unix

package sqlite_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry/internal/sqlite"
)

// TestFilesArePrivate: the database, WAL and shared-memory files hold
// password and session hashes; they are created 0600 even with a umask that
// takes nothing away, and an existing world-readable database is tightened
// on Open. Not parallel: the umask belongs to the whole process.
func TestFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
	ctx := context.Background()

	check := func(t *testing.T, path string) {
		t.Helper()
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		// A write makes sure the WAL and shared-memory files exist.
		if _, err := db.CreateUser(ctx, uuid.NewString()+"@example.com", "hash"); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{path, path + "-wal", path + "-shm", path + "-lock"} {
			fi, err := os.Stat(name)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := fi.Mode().Perm(), fs.FileMode(0o600); got != want {
				t.Errorf("%s: mode %v, want %v", filepath.Base(name), got, want)
			}
		}
	}

	t.Run("new", func(t *testing.T) {
		check(t, filepath.Join(t.TempDir(), "tenantry.db"))
	})
	t.Run("existing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "tenantry.db")
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, "a@example.com", "hash"); err != nil {
			t.Fatal(err)
		}
		// Left open by another version: world-readable files.
		for _, name := range []string{path, path + "-wal", path + "-shm"} {
			if err := os.Chmod(name, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{path + "-wal", path + "-shm"} {
			// Close checkpoints and removes the WAL; recreate stale ones
			// as an unclean shutdown leaves them.
			if err := os.WriteFile(name, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		check(t, path)
	})
}
