package sqlite

import (
	"database/sql"
	"errors"
	"fmt"

	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tenantry/tenantry"
)

// interpretError is the one place the store reads the database's errors.
// No row is noRows (nil where a missing row is not expected); a domain
// error passes unchanged; anything else is wrapped with op, an internal
// error that is never shown to clients. SQLite does not name the
// constraint a write broke, so the caller, which knows the one it can
// break, asks isConstraint first.
func interpretError(op string, err, noRows error) error {
	switch {
	case err == nil:
		return nil
	case noRows != nil && errors.Is(err, sql.ErrNoRows):
		return noRows
	case tenantry.ErrorCode(err) != tenantry.EINTERNAL:
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// isConstraint reports whether err is SQLite's constraint error with the
// given extended code (sqlite3.SQLITE_CONSTRAINT_*).
func isConstraint(err error, code int) bool {
	var e *msqlite.Error
	return errors.As(err, &e) && e.Code() == code
}

const (
	errUnique     = sqlite3.SQLITE_CONSTRAINT_UNIQUE
	errPrimaryKey = sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	errForeignKey = sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
)
