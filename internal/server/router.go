package server

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// router is two ServeMuxes behind one. /api/{user_id}/tasks and
// /api/orgs/{org_id} both match "/api/orgs/tasks", and ServeMux refuses to
// hold two patterns where neither is more specific. "orgs" is never a user
// id, so everything under /api/orgs goes to one mux and the rest of /api to
// the other.
type router struct {
	personal *http.ServeMux // /api/{user_id}/...
	rest     *http.ServeMux
}

func newRouter() *router {
	return &router{personal: http.NewServeMux(), rest: http.NewServeMux()}
}

// HandleFunc registers a ServeMux pattern ("METHOD /path").
func (rt *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	path := pattern
	if _, p, ok := strings.Cut(pattern, " "); ok {
		path = p
	}
	if strings.HasPrefix(path, "/api/{user_id}") {
		rt.personal.HandleFunc(pattern, h)
		return
	}
	rt.rest.HandleFunc(pattern, h)
}

// Handle registers a handler for a ServeMux pattern.
func (rt *router) Handle(pattern string, h http.Handler) { rt.HandleFunc(pattern, h.ServeHTTP) }

// ServeHTTP sends /api/{user_id}/... to the personal mux, the rest to the
// other. A path or method no route takes is answered as a problem too.
func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	mux := rt.rest
	if p := r.URL.Path; strings.HasPrefix(p, "/api/") && p != "/api/orgs" && !strings.HasPrefix(p, "/api/orgs/") {
		mux = rt.personal
	}
	h, pattern := mux.Handler(r)
	if pattern != "" {
		mux.ServeHTTP(w, r)
		return
	}
	// ServeMux's own answer: a redirect to the clean path, or a 404 or
	// 405 (with its Allow header), which become problem+json.
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
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
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(st)
	_ = json.NewEncoder(w).Encode(huma.ErrorModel{Title: http.StatusText(st), Status: st, Detail: detail})
}

// statusRecorder keeps the status and headers a handler writes, and drops
// its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }

func (s *statusRecorder) WriteHeader(st int) {
	if s.status == 0 {
		s.status = st
	}
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(b), nil
}
