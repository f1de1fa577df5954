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
