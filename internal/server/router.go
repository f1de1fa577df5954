package server

import (
	"net/http"
	"strings"
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

// ServeHTTP sends /api/{user_id}/... to the personal mux, the rest to the other.
func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	if strings.HasPrefix(p, "/api/") && p != "/api/orgs" && !strings.HasPrefix(p, "/api/orgs/") {
		rt.personal.ServeHTTP(w, r)
		return
	}
	rt.rest.ServeHTTP(w, r)
}
