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
		switch {
		case pgErr.Code == codeUniqueViolation && pgErr.ConstraintName == "users_email_key":
			return tenantry.ErrEmailTaken
		case pgErr.Code == codeUniqueViolation && pgErr.ConstraintName == "memberships_pkey":
			return tenantry.ErrAlreadyMember
		case pgErr.Code == codeForeignKeyViolation && pgErr.ConstraintName == "tasks_assignee_fkey":
			return tenantry.ErrAssigneeNotMember
		case pgErr.Code == codeForeignKeyViolation && pgErr.ConstraintName == "memberships_user_id_fkey":
			return tenantry.ErrUserNotFound
		case pgErr.Code == codeForeignKeyViolation && pgErr.ConstraintName == "totp_user_id_fkey":
			return tenantry.ErrUserNotFound
		case pgErr.Code == codeForeignKeyViolation && pgErr.ConstraintName == "api_tokens_membership_fkey":
			return tenantry.ErrNotMember
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
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
