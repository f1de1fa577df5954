package sqlite

import (
	"fmt"
	"os"

	"github.com/gofrs/flock"
)

// lockFile takes an exclusive lock on path+"-lock" (flock(2) on Unix,
// LockFileEx on Windows), creating the file private to its owner, and holds
// it until its Close. The lock makes the store the only writer of its
// database, which its membership cache relies on: a second Open of the same
// file, in this process or another, fails with ErrLocked. The lock file is
// left in place; removing it would let two processes lock two files.
func lockFile(path string) (*flock.Flock, error) {
	name := path + "-lock"
	l := flock.New(name, flock.SetFlag(os.O_RDWR|os.O_CREATE), flock.SetPermissions(fileMode))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("sqlite: lock %s: %w", name, err)
	} else if !ok {
		return nil, fmt.Errorf("%w: %s (lock %s)", ErrLocked, path, name)
	}
	return l, nil
}
