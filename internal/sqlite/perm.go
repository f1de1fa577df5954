package sqlite

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// fileMode is the mode of the database file and of the WAL and shared-memory
// files beside it: they hold password hashes and session hashes, so only
// the owner may read them.
const fileMode fs.FileMode = 0o600

// restrictFiles creates the database file at path with fileMode if it does
// not exist, and takes group and other access away from it and from its
// -wal and -shm files if they have any (a database made by an older version,
// or by hand). SQLite creates -wal and -shm with the mode of the database
// file whatever the umask, so making the database file private first makes
// all three private.
func restrictFiles(path string) error {
	if err := restrictFile(path, os.O_RDWR|os.O_CREATE); err != nil {
		return err
	}
	for _, name := range []string{path + "-wal", path + "-shm"} {
		if err := restrictFile(name, os.O_RDWR); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// restrictFile opens name with flag (creating it with fileMode if flag
// says so) and restricts it.
func restrictFile(name string, flag int) error {
	f, err := os.OpenFile(name, flag, fileMode)
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", name, err)
	}
	err = restrict(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sqlite: restrict %s: %w", name, err)
	}
	return nil
}

// restrict sets f's mode to fileMode unless it is already no more open.
func restrict(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Mode().Perm()&^fileMode == 0 {
		return nil
	}
	return f.Chmod(fileMode)
}
