package server

import (
	"net/http"
	"strings"
)

// splitMux is two ServeMuxes behind one. /api/{user_id}/tasks and
// /api/orgs/{org_id} both match "/api/orgs/tasks", and ServeMux refuses to
// hold two patterns where neither is more specific. "orgs" is never a user
// id, so everything under /api/orgs goes to one mux and the rest of /api to
// the other. Why not chi: docs/design.md, "Routing".
type splitMux struct {
	personal *http.ServeMux // /api/{user_id}/...
	rest     *http.ServeMux
	// problem writes the mux's own 404 and 405 (writePlainProblem).
	problem func(http.ResponseWriter, *http.Request, error)
}

func newSplitMux(problem func(http.ResponseWriter, *http.Request, error)) *splitMux {
	return &splitMux{personal: http.NewServeMux(), rest: http.NewServeMux(), problem: problem}
}

// HandleFunc registers a ServeMux pattern ("METHOD /path").
func (rt *splitMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	path := pattern
	if _, p, ok := strings.Cut(pattern, " "); ok {
		path = p
	}
	route := func(w http.ResponseWriter, r *http.Request) {
		if ex := exchangeFrom(r.Context()); ex != nil {
			ex.route = path // the pattern, for the access log and metrics
		}
		if rw, ok := w.(*routeWriter); ok {
			// Matched: the route writes to the connection's writer itself.
			rw.matched = true
			w = rw.w
		}
		h(w, r)
	}
	if strings.HasPrefix(path, "/api/{user_id}") {
		rt.personal.HandleFunc(pattern, route)
		return
	}
	rt.rest.HandleFunc(pattern, route)
}

// Handle registers a handler for a ServeMux pattern.
func (rt *splitMux) Handle(pattern string, h http.Handler) { rt.HandleFunc(pattern, h.ServeHTTP) }

// ServeHTTP sends /api/{user_id}/... to the personal mux, the rest to the
// other. A path or method no route takes is answered as a problem too.
//
// The mux looks the route up once: it gets a routeWriter, which a matched
// route unwraps before it writes anything, so whatever the routeWriter
// records is the mux's own answer (a 404, a 405 with its Allow header, a
// redirect to the clean path), and that becomes the problem+json below.
func (rt *splitMux) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mux := rt.rest
	if p := r.URL.Path; strings.HasPrefix(p, "/api/") && p != "/api/orgs" && !strings.HasPrefix(p, "/api/orgs/") {
		mux = rt.personal
	}
	rec := &routeWriter{w: w}
	mux.ServeHTTP(rec, r)
	if rec.matched {
		return
	}
	for _, k := range []string{"Allow", "Location"} {
		if v := rec.header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	st := rec.status
	if st == 0 {
		st = http.StatusNotFound
	}
	if st != http.StatusNotFound && st != http.StatusMethodNotAllowed {
		w.WriteHeader(st)
		return
	}
	detail := "No such route"
	if st == http.StatusMethodNotAllowed {
		detail = "Method not allowed on this route"
	}
	rt.problem(w, r, refused(st, detail))
}

// routeWriter is what the mux writes to. A matched route takes the
// connection's writer, w, out of it (HandleFunc); anything written to the
// routeWriter itself is the mux's own answer, kept as status and headers,
// its body dropped.
type routeWriter struct {
	w       http.ResponseWriter
	matched bool
	header  http.Header
	status  int
}

func (s *routeWriter) Header() http.Header {
	if s.header == nil {
		s.header = http.Header{}
	}
	return s.header
}

func (s *routeWriter) WriteHeader(st int) {
	if s.status == 0 {
		s.status = st
	}
}

func (s *routeWriter) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(b), nil
}
