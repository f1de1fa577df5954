package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/limit"
)

// msgInternal is the only thing a client learns about an unexpected error.
const msgInternal = "Internal server error"

// httpError is a refusal of the exchange itself, which no store returns: a
// body too large, too slow or of the wrong type, too many requests, a
// cross-origin write. Domain refusals are *tenantry.Error.
type httpError struct {
	status     int
	detail     string
	retryAfter time.Duration // a 429's wait, sent as Retry-After
	errs       []error       // the details of a 422
}

func (e *httpError) Error() string { return fmt.Sprintf("http %d: %s", e.status, e.detail) }

// refused is an httpError with a fixed detail.
func refused(st int, detail string) *httpError { return &httpError{status: st, detail: detail} }

// tooMany is a 429 with Retry-After in whole seconds.
func tooMany(wait time.Duration, detail string) *httpError {
	return &httpError{status: http.StatusTooManyRequests, detail: detail, retryAfter: wait}
}

// status maps a tenantry error code to its HTTP status.
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
	case tenantry.EPRECONDITION:
		return http.StatusPreconditionFailed
	case tenantry.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// problem is an answer to an error: its status, detail and headers.
type problem struct {
	status int
	detail string
	header http.Header
	errs   []error
	mfa    bool // the body says "mfa_required": true
}

// answer maps any error to the problem the client sees; it is the one place
// that does, for the operations (route) and the middleware (writeProblem).
// An error that is neither a *tenantry.Error nor an *httpError is logged,
// once, with the request, and answered as a generic 500, so no SQL, driver
// text or stack reaches a client.
func (s *server) answer(ctx context.Context, err error) problem {
	var p problem
	var he *httpError
	if errors.As(err, &he) {
		p = problem{status: he.status, detail: he.detail, errs: he.errs}
		if he.status == http.StatusTooManyRequests {
			p.header = http.Header{"Retry-After": {strconv.Itoa(limit.RetryAfter(he.retryAfter))}}
		}
	} else {
		p = problem{status: status(tenantry.ErrorCode(err)), detail: tenantry.ErrorMessage(err)}
		// A client that hung up is logged once by edge, at debug; the
		// error is the store giving up on its behalf.
		logged := !clientGone(ctx)
		switch p.status {
		case http.StatusInternalServerError:
			p.detail = msgInternal
			if logged {
				s.log.LogAttrs(ctx, slog.LevelError, "request failed", append(requestAttrs(ctx), slog.String("error", err.Error()))...)
			}
		case http.StatusServiceUnavailable:
			if logged {
				s.log.LogAttrs(ctx, slog.LevelWarn, "database unavailable", append(requestAttrs(ctx), slog.String("error", err.Error()))...)
			}
		}
	}
	if p.status == http.StatusUnauthorized {
		p.header = http.Header{"WWW-Authenticate": {"Bearer"}}
		p.mfa = errors.Is(err, errMFARequired)
	}
	return p
}

// route registers an operation whose errors, whatever they are, are
// answered through answer. routes.go registers every operation with it.
func route[I, O any](s *server, api huma.API, op huma.Operation, h func(context.Context, *I) (*O, error)) {
	huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			p := s.answer(ctx, err)
			e := huma.NewError(p.status, p.detail, p.errs...)
			if m, ok := e.(*huma.ErrorModel); ok && p.mfa {
				m.Instance = instanceOf(ctx)
				e = &mfaProblem{ErrorModel: *m, MFARequired: true}
			}
			if p.header != nil {
				return nil, huma.ErrorWithHeaders(e, p.header)
			}
			return nil, e
		}
		return out, nil
	})
}

// writeProblem answers a middleware's refusal through answer.
func (s *server) writeProblem(api huma.API, ctx huma.Context, err error) {
	p := s.answer(ctx.Context(), err)
	for k, vs := range p.header {
		for _, v := range vs {
			ctx.SetHeader(k, v)
		}
	}
	_ = huma.WriteErr(api, ctx, p.status, p.detail, p.errs...)
}

// writePlainProblem answers err through answer outside huma, in the body
// huma writes: the mux's own 404 and 405, and a docs file that is not there.
func (s *server) writePlainProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := s.answer(r.Context(), err)
	for k, vs := range p.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.status)
	_ = json.NewEncoder(w).Encode(huma.ErrorModel{Title: http.StatusText(p.status), Status: p.status, Detail: p.detail, Instance: instanceOf(r.Context())})
}
