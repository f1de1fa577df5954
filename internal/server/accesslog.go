package server

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/google/uuid"
)

// routeUnmatched is the route of a request no route took (the router's
// own 404 and 405, a redirect to the clean path), in logs and metrics.
const routeUnmatched = "(unmatched)"

// edge is the outermost handler: every request, whichever route takes it
// or none, gets a request id (the client's, if well formed, else a new
// one), sent back in X-Request-Id and put in the request's context for
// every log line and problem body. When the answer is done it is counted
// in the metrics and, with Config.AccessLog, logged in one line.
func (s *server) edge(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		ex := &exchange{id: id, start: s.now()}
		ex.rec = recorder{ResponseWriter: w, ex: ex}
		w.Header().Set(requestIDHeader, id)
		ctx := context.WithValue(r.Context(), exchangeKey{}, ex)
		defer func() {
			v := recover()
			if v != nil && ex.status == 0 {
				// net/http answers 500 or drops the connection.
				ex.status = http.StatusInternalServerError
			}
			s.finish(ctx, r, ex)
			if v != nil {
				panic(v)
			}
		}()
		next.ServeHTTP(&ex.rec, r.WithContext(ctx))
	})
}

// finish counts the request and writes its access-log line. A request
// whose client went away is logged once more, at debug: it is not the
// server's error, and under load there are many.
func (s *server) finish(ctx context.Context, r *http.Request, ex *exchange) {
	d := s.now().Sub(ex.start)
	status := ex.status
	if status == 0 {
		status = http.StatusOK // net/http's answer to a handler that wrote nothing
	}
	route := ex.route
	if route == "" {
		route = routeUnmatched
	}
	method := knownMethod(r.Method)
	gone := clientGone(ctx)
	if gone {
		status = statusClientClosed
	}
	if s.metrics != nil {
		s.metrics.observe(method, route, status, d)
	}
	if !gone && !s.accessLog {
		return
	}
	// Never the raw path or query (ids, a token pasted into a URL), nor
	// any header: the route pattern says what was asked.
	attrs := []slog.Attr{
		slog.String("request_id", ex.id),
		slog.String("method", method),
		slog.String("route", route),
		slog.String("remote_addr", r.RemoteAddr),
	}
	if ex.user != uuid.Nil {
		attrs = append(attrs, slog.String("user_id", ex.user.String()))
	}
	if gone {
		s.log.LogAttrs(ctx, slog.LevelDebug, "request canceled", attrs...)
	}
	if s.accessLog {
		attrs = append(attrs,
			slog.Int("status", status),
			slog.Int64("bytes", ex.bytes),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000))
		s.log.LogAttrs(ctx, slog.LevelInfo, "request", attrs...)
	}
}

// recorder is the ResponseWriter every handler gets from edge: it notes
// the status and the body's size for the access log and the metrics.
type recorder struct {
	http.ResponseWriter
	ex *exchange
}

// WriteHeader sends the status, once. When a client hangs up in the middle
// of a body, huma marks the request by setting the status 499 (humago's
// SetStatus calls WriteHeader again) after the body began, and net/http
// logs "superfluous response.WriteHeader call" for each: that mark is
// dropped here (edge sees the cancelled context and counts the 499). Any
// other late status goes through, so net/http still reports a real bug.
func (w *recorder) WriteHeader(st int) {
	if w.ex.status != 0 && st == statusClientClosed {
		return
	}
	if w.ex.status == 0 && st >= 200 {
		w.ex.status = st
	}
	w.ResponseWriter.WriteHeader(st)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.ex.status == 0 {
		w.ex.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.ex.bytes += int64(n)
	return n, err
}

// Flush sends what is buffered, through http.ResponseController.
func (w *recorder) Flush() {
	if w.ex.status == 0 {
		w.ex.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the connection's writer (read
// deadlines in guardBody).
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// started reports whether the answer's status has gone out: an error then
// can no longer be answered, only the connection dropped.
func started(ctx context.Context) bool {
	ex := exchangeFrom(ctx)
	return ex != nil && ex.status != 0
}
