package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tenantry/tenantry"
)

func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("boom"), false},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, true},
		{"cannot connect now", fmt.Errorf("postgres: view: %w", &pgconn.PgError{Code: "57P03"}), true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"unique violation", &pgconn.PgError{Code: "23505"}, false},
		{"insufficient privilege", &pgconn.PgError{Code: "42501"}, false},
		{"query canceled", &pgconn.PgError{Code: "57014"}, false},
		{"connection refused", fmt.Errorf("postgres: connect: %w", refused), true},
		{"unexpected EOF", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), true},
		{"closed", fmt.Errorf("write: %w", net.ErrClosed), true},
		{"caller cancelled", fmt.Errorf("postgres: view: %w", context.Canceled), false},
		{"caller deadline", fmt.Errorf("postgres: view: %w", context.DeadlineExceeded), false},
	} {
		if got := IsUnavailable(c.err); got != c.want {
			t.Errorf("%s: IsUnavailable(%v) = %t, want %t", c.name, c.err, got, c.want)
		}
	}
}

// TestInterpretErrorAsCitusRaisesIt: Citus re-raises a worker's violation
// without its constraint name, and with the shard's suffix in the message;
// the statement's own violation still has its domain meaning, and the same
// SQLSTATE from another statement has none.
func TestInterpretErrorAsCitusRaisesIt(t *testing.T) {
	t.Parallel()
	citus := func(code, msg string) error {
		return &pgconn.PgError{Severity: "ERROR", Code: code, Message: msg}
	}
	for _, c := range []struct {
		op   string
		err  error
		want error
	}{
		{"create user", citus("23505", `duplicate key value violates unique constraint "users_email_key_102009"`), tenantry.ErrEmailTaken},
		{"add member", citus("23505", `duplicate key value violates unique constraint "memberships_pkey_102041"`), tenantry.ErrAlreadyMember},
		{"add member", citus("23503", `insert or update on table "memberships_102041" violates foreign key constraint "memberships_user_id_fkey_102041"`), tenantry.ErrUserNotFound},
		{"create task", citus("23503", `insert or update on table "tasks_102072" violates foreign key constraint "tasks_assignee_fkey_102072"`), tenantry.ErrAssigneeNotMember},
		{"patch task", citus("23503", `violates foreign key constraint "tasks_assignee_fkey_102073"`), tenantry.ErrAssigneeNotMember},
		{"replace task", citus("23503", `violates foreign key constraint "tasks_assignee_fkey_102074"`), tenantry.ErrAssigneeNotMember},
	} {
		if got := interpretError(c.op, c.err, nil); !errors.Is(got, c.want) {
			t.Errorf("%s: %v is %v, want %v", c.op, c.err, got, c.want)
		}
	}
	for _, op := range []string{"create session", "delete user", "create tenant"} {
		if got := interpretError(op, citus("23505", "duplicate key"), nil); tenantry.ErrorCode(got) != tenantry.EINTERNAL {
			t.Errorf("%s: a unique violation is %v, want an internal error", op, got)
		}
	}
}
