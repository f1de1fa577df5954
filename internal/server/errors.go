package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
)

// msgInternal is the only thing a client learns about an unexpected error.
const msgInternal = "Internal server error"

// status maps a tenantry error code to its HTTP status. It is the one place
// that does.
func status(code string) int {
	switch code {
	case tenantry.EINVALID:
		return http.StatusUnprocessableEntity
	case tenantry.ENOTFOUND:
		return http.StatusNotFound
	case tenantry.ECONFLICT:
		return http.StatusConflict
	case tenantry.EFORBIDDEN:
		return http.StatusForbidden
	case tenantry.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case tenantry.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// fail turns any error into the problem the client sees. Errors that are not
// a *tenantry.Error are logged and answered as a generic 500, so no SQL,
// driver text or stack ever reaches a client. Handlers return nothing else.
func (s *server) fail(ctx context.Context, err error) error {
	code := tenantry.ErrorCode(err)
	st := status(code)
	if st == http.StatusInternalServerError {
		if clientGone(ctx) {
			// The client hung up (edge logs that once, at debug);
			// the error is the store giving up on its behalf.
			return huma.NewError(st, msgInternal)
		}
		s.log.LogAttrs(ctx, slog.LevelError, "request failed", append(requestAttrs(ctx), slog.String("error", err.Error()))...)
		return huma.NewError(st, msgInternal)
	}
	if st == http.StatusServiceUnavailable {
		s.log.LogAttrs(ctx, slog.LevelWarn, "database unavailable", append(requestAttrs(ctx), slog.String("error", err.Error()))...)
	}
	e := huma.NewError(st, tenantry.ErrorMessage(err))
	if st == http.StatusUnauthorized {
		return huma.ErrorWithHeaders(e, http.Header{"WWW-Authenticate": {"Bearer"}})
	}
	return e
}

// problem is a client error with a fixed message.
func problem(st int, detail string) error {
	e := huma.NewError(st, detail)
	if st == http.StatusUnauthorized {
		return huma.ErrorWithHeaders(e, http.Header{"WWW-Authenticate": {"Bearer"}})
	}
	return e
}
