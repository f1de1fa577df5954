//go:build !unix

package sqlite

import "os"

// lockFile takes no lock where flock(2) does not exist: there, keeping a
// second process away from the database is the operator's job.
func lockFile(string) (*os.File, error) { return nil, nil }
