package server

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"
)

// requestIDHeader carries the request id both ways.
const requestIDHeader = "X-Request-Id"

// maxRequestID bounds an incoming request id.
const maxRequestID = 64

// validRequestID reports whether a client's request id may be kept: 1 to
// 64 characters of A-Z, a-z, 0-9, '.', '_' and '-'. Anything else (a
// space, a quote, a line break) could forge or break a log line, so it is
// replaced by one of ours.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > maxRequestID {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID is a fresh request id: 128 random bits, 26 characters of
// base32.
func newRequestID() string { return rand.Text() }

// exchangeKey carries the *exchange of a request.
type exchangeKey struct{}

// exchange is what the edge handler (accesslog.go) knows about one request
// and its answer. The handlers inside fill in what only they learn: the
// route pattern and the caller. One request's goroutine uses it.
type exchange struct {
	id    string
	start time.Time
	// route is the matched pattern ("/api/{user_id}/tasks"), or a fixed
	// placeholder: never the raw path, which holds ids.
	route string
	user  uuid.UUID // the authenticated caller, if any
	// status is the status sent, 0 until the header is written.
	status int
	bytes  int64
	// info is what observe noted about an API operation's request, once
	// infoSet (requestInfo).
	info    reqInfo
	infoSet bool
	// rec is the ResponseWriter edge hands on, allocated with the
	// exchange.
	rec recorder
}

// exchangeFrom returns the request's exchange, nil outside the edge handler.
func exchangeFrom(ctx context.Context) *exchange {
	ex, _ := ctx.Value(exchangeKey{}).(*exchange)
	return ex
}

// requestID returns the request's id, "" outside the edge handler.
func requestID(ctx context.Context) string {
	if ex := exchangeFrom(ctx); ex != nil {
		return ex.id
	}
	return ""
}

// instanceOf is a problem's "instance": the request id as a URN, which a
// client quotes to find the request in the server's logs.
func instanceOf(ctx context.Context) string {
	if id := requestID(ctx); id != "" {
		return "urn:request:" + id
	}
	return ""
}

// stampInstance is a transformer that puts the request id into every
// problem huma writes.
func stampInstance(ctx huma.Context, _ string, v any) (any, error) {
	if e, ok := v.(*huma.ErrorModel); ok && e.Instance == "" {
		e.Instance = instanceOf(ctx.Context())
	}
	return v, nil
}

// clientGone reports whether the request's client went away: net/http
// cancels the request's context when the connection closes. (The server's
// base context is never cancelled, and deadlines are DeadlineExceeded.)
// The error that follows is no fault of the server: the edge handler logs
// the request once at debug, and nothing else logs it as an error.
func clientGone(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// statusClientClosed is the status logged and counted for a request whose
// client went away before its answer was complete (nginx's 499). It is
// never sent: there is no one to send it to.
const statusClientClosed = 499

// knownMethod is the method as logs and metrics label it: a client may
// send any token as a method, and an unmatched one must not grow the
// label set without bound.
func knownMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}
