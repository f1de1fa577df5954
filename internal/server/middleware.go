package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// metaPersonal marks operations under /api/{user_id}: the path user must be
// the caller.
const metaPersonal = "personal"

// pathMe in a personal path's {user_id} names the caller: /api/me/tasks is
// the caller's own /api/{user_id}/tasks, whoever the caller is.
const pathMe = "me"

// reqInfoKey carries what security events and error logs say about the
// request. The caller travels separately, through tenantry's context key.
type reqInfoKey struct{}

type reqInfo struct {
	route  string // the pattern, never the raw path
	method string
	remote string
	// task is the path's {task_id}, if any, and member an organization
	// route's {user_id}, as the client sent them: logs show them only
	// through targetID.
	task   string
	member string

	// client is the client's address, through trusted proxies (clientIP).
	client netip.Addr
}

// targetUserKey carries the user a request body names (a member being
// added), for the security events of that request.
type targetUserKey struct{}

// requestInfo returns what observe (or webAccounts.ctx) noted about the
// request: from the context, or else from the request's exchange, where
// observe keeps it without a context layer of its own.
func requestInfo(ctx context.Context) (reqInfo, bool) {
	if ri, ok := ctx.Value(reqInfoKey{}).(reqInfo); ok {
		return ri, true
	}
	if ex := exchangeFrom(ctx); ex != nil && ex.infoSet {
		return ex.info, true
	}
	return reqInfo{}, false
}

// withTargetUser notes the user a request is aimed at, when the path does
// not name one.
func withTargetUser(ctx context.Context, id uuid.UUID) context.Context {
	return context.WithValue(ctx, targetUserKey{}, id)
}

// targetID is a client-chosen path id as logs show it: the canonical UUID,
// or a fixed placeholder. Anything else, even cut short, could put a
// credential pasted into a URL into the log.
func targetID(s string) string {
	if s == "" {
		return ""
	}
	id, err := parsePathID(s)
	if err != nil {
		return notAUUID
	}
	return id.String()
}

// notAUUID stands in the logs for a path id that is not a UUID.
const notAUUID = "(not a UUID)"

// requestAttrs returns the log attributes of the request in ctx.
func requestAttrs(ctx context.Context) []slog.Attr {
	var attrs []slog.Attr
	if id := requestID(ctx); id != "" {
		attrs = append(attrs, slog.String("request_id", id))
	}
	if ri, ok := requestInfo(ctx); ok {
		attrs = append(attrs, slog.String("method", ri.method), slog.String("route", ri.route), slog.String("remote_addr", ri.remote))
		if ri.task != "" {
			attrs = append(attrs, slog.String("target_task_id", targetID(ri.task)))
		}
		if ri.member != "" {
			attrs = append(attrs, slog.String("target_user_id", targetID(ri.member)))
		}
	}
	if id, ok := ctx.Value(targetUserKey{}).(uuid.UUID); ok {
		attrs = append(attrs, slog.String("target_user_id", id.String()))
	}
	if c := tenantry.CallerFromContext(ctx); c != nil {
		attrs = append(attrs, slog.String("user_id", c.UserID.String()), slog.String("auth", string(c.Method)))
	}
	return attrs
}

// security logs a security event: what happened, who did it (from the
// context) and what it was aimed at. Never pass a credential in attrs.
func (s *server) security(ctx context.Context, event string, attrs ...slog.Attr) {
	all := append([]slog.Attr{slog.String("event", event)}, requestAttrs(ctx)...)
	s.log.LogAttrs(ctx, slog.LevelWarn, "security event", append(all, attrs...)...)
}

// recoverer answers a panicking operation with a generic 500 and logs it.
func (s *server) recoverer(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.LogAttrs(ctx.Context(), slog.LevelError, "panic",
					append(requestAttrs(ctx.Context()), slog.Any("panic", v))...)
				if started(ctx.Context()) {
					// A 500 after the status and part of the body
					// would be a second status and a broken body:
					// net/http drops the connection instead.
					panic(http.ErrAbortHandler)
				}
				s.writeProblem(api, ctx, refused(http.StatusInternalServerError, msgInternal))
			}
		}()
		next(ctx)
	}
}

// observe records the request for logs, in its exchange (or, outside
// edge, in the context). (edge counts it in the metrics.)
func (s *server) observe(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	ri := reqInfo{route: op.Path, method: op.Method, remote: ctx.RemoteAddr(), client: s.requestClient(ctx), task: ctx.Param("task_id")}
	if strings.Contains(op.Path, "{org_id}") {
		ri.member = ctx.Param("user_id")
	}
	if ex := exchangeFrom(ctx.Context()); ex != nil {
		ex.info, ex.infoSet = ri, true
	} else {
		ctx = huma.WithValue(ctx, reqInfoKey{}, ri)
	}
	next(ctx)
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// authenticate proves who the caller is, for every operation that declares
// security, and is the one place that puts the caller in the context. It
// also refuses cross-origin writes that a browser would send with the
// session cookie, and a personal path that names someone else.
func (s *server) authenticate(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		r, _ := humago.Unwrap(ctx)
		if len(op.Security) == 0 {
			// Login, register and token: a cross-site form must not log
			// the browser into an attacker's account.
			if unsafeMethod(r.Method) && s.csrf.Check(r) != nil {
				s.security(ctx.Context(), "cross_origin_refused")
				s.writeProblem(api, ctx, errCrossOrigin)
				return
			}
			next(ctx)
			return
		}
		caller, err := s.identify(ctx.Context(), r)
		if err != nil {
			s.writeProblem(api, ctx, err)
			return
		}
		if ex := exchangeFrom(ctx.Context()); ex != nil {
			ex.user = caller.UserID // for the access log
		}
		ctx = huma.WithContext(ctx, tenantry.NewContextWithCaller(ctx.Context(), caller))
		if caller.Method == tenantry.AuthSession && unsafeMethod(r.Method) && s.csrf.Check(r) != nil {
			s.security(ctx.Context(), "cross_origin_refused")
			s.writeProblem(api, ctx, errCrossOrigin)
			return
		}
		if caller.Method == tenantry.AuthAPIToken && !apiTokenRoute(op) {
			s.security(ctx.Context(), "api_token_refused", slog.String("token_id", caller.APIToken.ID.String()))
			s.writeProblem(api, ctx, errAPITokenRefused)
			return
		}
		if op.Metadata[metaPersonal] == true && ctx.Param("user_id") != pathMe {
			if id, err := parsePathID(ctx.Param("user_id")); err != nil || id != caller.UserID {
				s.security(ctx.Context(), "path_mismatch", slog.String("target_user_id", targetID(ctx.Param("user_id"))))
				s.metrics.crossTenant("path_mismatch")
				if err == nil {
					s.denied(ctx.Context(), id, "path_mismatch", nil) // that user's personal tenant
				}
				s.writeProblem(api, ctx, errAccessDenied)
				return
			}
		}
		next(ctx)
	}
}

// Refusals of authenticate.
var (
	errCrossOrigin  = refused(http.StatusForbidden, "Cross-origin request refused")
	errAccessDenied = &tenantry.Error{Code: tenantry.EFORBIDDEN, Message: tenantry.MsgAccessDenied}
)

// truncate bounds a client-chosen string before it goes into a log line.
func truncate(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max]
	}
	return strings.ToValidUTF8(s, "?")
}

// guardBody reads a request body before huma does: over 1 MiB (8 KiB on
// the public routes, which anyone may call) is 413, and bytes that are not
// UTF-8 are refused (encoding/json would silently turn them into U+FFFD and
// store something the client did not send), and so is JSON with a key given
// twice, a null where the schema allows none, or a key that is not exactly
// a field's name (strictJSON).
func (s *server) guardBody(api huma.API) func(huma.Context, func(huma.Context)) {
	fields := &fieldsOf{api: api}
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if op.RequestBody == nil {
			next(ctx)
			return
		}
		r, w := humago.Unwrap(ctx)
		limit, tooLarge := int64(maxBodyBytes), msgTooLarge
		if len(op.Security) == 0 {
			limit, tooLarge = maxPublicBodyBytes, msgPublicTooLarge
		}
		if r.ContentLength > limit {
			// What the client is sending anyway is read and dropped (by
			// net/http, after the answer) for bodyTimeout at most, so that
			// closing does not reset the connection under its answer.
			closeAfter(ctx, w, time.Now().Add(s.bodyTimeout))
			s.writeProblem(api, ctx, refused(http.StatusRequestEntityTooLarge, tooLarge))
			return
		}
		// A slow body must not hold the connection open: its read has its
		// own deadline. Once the body is in, the deadline goes back to the
		// server's read timeout: left at bodyTimeout, it would fire while
		// the operation runs, and net/http cancels the request's context
		// when its background read fails. (huma's own read, from memory
		// now, is told not to set one: see withBody.)
		rc := http.NewResponseController(w)
		_ = rc.SetReadDeadline(time.Now().Add(s.bodyTimeout))
		b, err := io.ReadAll(http.MaxBytesReader(connWriter(w), r.Body, limit))
		if err != nil {
			// The answer closes the connection, and the deadline stays
			// passed: net/http drains what is left of a body after the
			// handler, and would wait for a client that stopped sending.
			closeAfter(ctx, w, time.Now())
			var tooBig *http.MaxBytesError
			var netErr net.Error
			switch {
			case errors.As(err, &tooBig):
				s.writeProblem(api, ctx, refused(http.StatusRequestEntityTooLarge, tooLarge))
			case errors.As(err, &netErr) && netErr.Timeout():
				s.writeProblem(api, ctx, refused(http.StatusRequestTimeout, msgBodyTimeout))
			default:
				s.writeProblem(api, ctx, refused(http.StatusBadRequest, "Could not read the request body"))
			}
			return
		}
		_ = rc.SetReadDeadline(serverReadDeadline(r))
		if msg := s.refusedType(api, op, r.Header.Get("Content-Type")); msg != "" {
			s.writeProblem(api, ctx, refused(http.StatusUnsupportedMediaType, msg))
			return
		}
		if !utf8.Valid(b) || loneSurrogate(b) {
			s.writeProblem(api, ctx, refused(http.StatusBadRequest, "Request body is not valid UTF-8"))
			return
		}
		// Every body of a JSON operation that got this far is read as
		// JSON by huma, "application/json;x" and "anything+json"
		// included: each one is checked, whatever its Content-Type's
		// spelling. (refusedType has answered the others.)
		if jsonBody(op) {
			if d := strictJSON(b, fields.of(op)); d != nil {
				s.writeProblem(api, ctx, &httpError{status: http.StatusUnprocessableEntity, detail: msgValidationFailed, errs: []error{d}})
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		next(ctx)
	}
}

// refusedType returns why a body's Content-Type is refused, or "". The
// answer names the type expected and never the one given: huma's own
// ("unknown content type: ...") would send back whatever the header held.
// Whether a type is JSON is huma's to say, so huma is asked.
func (s *server) refusedType(api huma.API, op *huma.Operation, ct string) string {
	if jsonBody(op) {
		if ct != "" && errors.Is(api.Unmarshal(ct, []byte("null"), new(any)), huma.ErrUnknownContentType) {
			return "Content-Type must be application/json"
		}
		return ""
	}
	// The token form: a JSON body read as a form would be one field named
	// by the whole body.
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || op.RequestBody.Content[mt] == nil {
		for name := range op.RequestBody.Content {
			return "Content-Type must be " + name
		}
	}
	return ""
}

// connWriter is the connection's own ResponseWriter under the wrappers
// (the access log's recorder). http.MaxBytesReader needs it to tell net/http
// that the body was cut off: net/http then closes the connection gently
// (FIN, a pause, then close) instead of resetting it, with the body's rest
// unread, under the 413 the client has not read yet.
func connWriter(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}

// closeAfter marks the answer as the connection's last, and bounds what is
// read of the body after it by deadline.
func closeAfter(ctx huma.Context, w http.ResponseWriter, deadline time.Time) {
	ctx.SetHeader("Connection", "close")
	_ = http.NewResponseController(w).SetReadDeadline(deadline)
}

// serverReadDeadline is the read deadline once a body is in: the server's
// ReadTimeout from now, or none if the server sets none. net/http sets its
// own deadlines again before it reads the next request.
func serverReadDeadline(r *http.Request) time.Time {
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && srv.ReadTimeout > 0 {
		return time.Now().Add(srv.ReadTimeout)
	}
	return time.Time{}
}

// jsonBody reports whether an operation's request body is JSON (every
// operation's but the token form's).
func jsonBody(op *huma.Operation) bool {
	return op.RequestBody != nil && op.RequestBody.Content["application/json"] != nil
}

const (
	msgTooLarge       = "Request body is larger than 1 MiB"
	msgPublicTooLarge = "Request body is larger than 8 KiB"
	msgBodyTimeout    = "The request body did not arrive in time"
)

// maxPublicBodyBytes bounds the bodies of the routes anyone may call
// (register, login, token): theirs are a few hundred bytes, and a larger one
// only costs the server work before its 422.
const maxPublicBodyBytes = 8 << 10

// bodyReadTimeout bounds the time to read one request body.
const bodyReadTimeout = 5 * time.Second

// loneSurrogate reports whether a JSON text holds a \uD800-\uDFFF escape
// that is not half of a surrogate pair: encoding/json would turn it into
// U+FFFD without a word.
func loneSurrogate(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			inString = !inString
		case c == '\\' && inString && i+1 < len(b):
			if b[i+1] != 'u' {
				i++ // skip the escaped character, which may be a quote
				continue
			}
			r, ok := hex4(b, i+2)
			if !ok {
				return false // not a valid escape: the JSON decoder refuses it
			}
			i += 5
			switch {
			case r >= 0xDC00 && r <= 0xDFFF:
				return true
			case r >= 0xD800 && r <= 0xDBFF:
				if i+6 >= len(b) || b[i+1] != '\\' || b[i+2] != 'u' {
					return true
				}
				lo, ok := hex4(b, i+3)
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return true
				}
				i += 6
			}
		}
	}
	return false
}

// hex4 reads four hex digits at b[i:].
func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

// stripTrailingSlash routes "/path/" as "/path", so the seed's
// "/api/{user_id}/tasks/" works.
func stripTrailingSlash(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
			r2 := r.Clone(r.Context())
			r2.URL.Path = strings.TrimRight(p, "/")
			if r2.URL.Path == "" {
				r2.URL.Path = "/"
			}
			if r2.URL.RawPath != "" {
				r2.URL.RawPath = strings.TrimRight(r2.URL.RawPath, "/")
			}
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}
