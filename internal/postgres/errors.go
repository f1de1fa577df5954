package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry"
)

// SQLSTATE codes the store interprets.
const (
	codeUniqueViolation       = "23505"
	codeForeignKeyViolation   = "23503"
	codeInsufficientPrivilege = "42501"
	codeNoDataFound           = "P0002" // a function's RAISE for "no such row"
)

// interpretError is the one place the store reads the database's errors.
// No row is noRows (nil where a missing row is not expected); a violated
// constraint with a domain meaning is its sentinel; a domain error passes
// unchanged; anything else is wrapped with op, an internal error that is
// never shown to clients.
func interpretError(op string, err, noRows error) error {
	switch {
	case err == nil:
		return nil
	case noRows != nil && errors.Is(err, pgx.ErrNoRows):
		return noRows
	case tenantry.ErrorCode(err) != tenantry.EINTERNAL:
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if noRows != nil && pgErr.Code == codeNoDataFound {
			return noRows
		}
		if sentinel := violations[violation{op, pgErr.Code}]; sentinel != nil {
			return sentinel
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// violation is a constraint violation of one statement: its op, as the
// store names it, and the SQLSTATE.
type violation struct{ op, code string }

// violations are the constraint violations with a domain meaning, by the
// statement that meets them: each statement can violate only the one key
// named here with that SQLSTATE (users' other unique key is id, a fresh
// UUIDv7), so neither the constraint's name nor the table's is read. Citus
// re-raises a worker's error without the constraint name, and the names in
// its messages carry the shard's suffix (users_email_key_102079).
var violations = map[violation]error{
	{"create user", codeUniqueViolation}:          tenantry.ErrEmailTaken,    // users_email_key
	{"add member", codeUniqueViolation}:           tenantry.ErrAlreadyMember, // memberships_pkey
	{"add member", codeForeignKeyViolation}:       tenantry.ErrUserNotFound,  // memberships_user_id_fkey
	{"create task", codeForeignKeyViolation}:      tenantry.ErrAssigneeNotMember,
	{"replace task", codeForeignKeyViolation}:     tenantry.ErrAssigneeNotMember,
	{"patch task", codeForeignKeyViolation}:       tenantry.ErrAssigneeNotMember, // tasks_assignee_fkey
	{"create api token", codeForeignKeyViolation}: tenantry.ErrNotMember,         // api_tokens_membership_fkey
	{"set totp secret", codeForeignKeyViolation}:  tenantry.ErrUserNotFound,      // totp_user_id_fkey
}

// contextError interprets the error of a tenant_context call:
// insufficient_privilege is its refusal (not a member, or no such tenant).
func contextError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == codeInsufficientPrivilege {
		return tenantry.ErrNotMember
	}
	return interpretError("tenant context", err, nil)
}

// IsUnavailable reports whether err says that the database cannot be
// reached for now, rather than that a statement failed: the connection was
// refused or lost, or the server is shutting down, starting up or full. A
// request that failed so may succeed when tried again later. A cancelled
// or timed-out context is the caller's doing and is not reported.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection_exception
			return true
		case pgErr.Code == "57P01", // admin_shutdown
			pgErr.Code == "57P02", // crash_shutdown
			pgErr.Code == "57P03", // cannot_connect_now
			pgErr.Code == "53300": // too_many_connections
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err)
}
