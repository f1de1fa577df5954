package server

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/rs/cors"
)

// corsMaxAge is how long, in seconds, a browser may keep a preflight's
// answer.
const corsMaxAge = 600

// routePreflight is the route of a CORS preflight, which no route takes
// (cors answers it), in logs and metrics.
const routePreflight = "(preflight)"

// cors lets pages on the listed origins call the API with credentials and
// answers their preflights; with no origins, next is returned as is (a
// preflight is then the mux's 405). A listed origin is also the session
// check's only trusted one (authenticate; docs/design.md, "Identity and
// sessions").
func (s *server) cors(origins []string, next http.Handler) (http.Handler, error) {
	if len(origins) == 0 {
		return next, nil
	}
	for _, o := range origins {
		if err := checkOrigin(o); err != nil {
			return nil, fmt.Errorf("server: CORS origin %q: %w", o, err)
		}
		if err := s.csrf.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("server: CORS origin %q: %w", o, err)
		}
	}
	c := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowedHeaders:   []string{"Authorization", "Content-Type", requestIDHeader},
		ExposedHeaders:   []string{"Link", "Retry-After", requestIDHeader, "WWW-Authenticate"},
		AllowCredentials: true,
		MaxAge:           corsMaxAge,
	})
	h := c.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if ex := exchangeFrom(r.Context()); ex != nil {
				ex.route = routePreflight
			}
		}
		h.ServeHTTP(w, r)
	}), nil
}

// ParseCORSOrigins splits a comma-separated list of origins (spaces around
// each are dropped) and checks each as Config.CORSOrigins does. An empty
// list is nil: CORS off.
func ParseCORSOrigins(list string) ([]string, error) {
	var origins []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if err := checkOrigin(o); err != nil {
			return nil, fmt.Errorf("origin %q: %w", o, err)
		}
		origins = append(origins, o)
	}
	return origins, nil
}

// checkOrigin accepts an origin exactly as a browser sends it in Origin:
// http or https, a host in lower case, a port only if not the scheme's
// default, nothing else. Origins are compared exactly, so anything else
// (a trailing slash, a path, an upper-case letter, ":443") would never
// match and is refused rather than ignored; a wildcard or "null" would let
// any page read a signed-in user's data, and is refused too.
func checkOrigin(o string) error {
	if strings.ContainsAny(o, "*") {
		return fmt.Errorf("wildcards are not accepted: list each origin")
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want scheme://host[:port], such as https://app.example")
	}
	host := strings.ToLower(u.Host)
	if port := u.Port(); (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	if want := u.Scheme + "://" + host; o != want {
		return fmt.Errorf("not as a browser sends it (no path, default port or upper case): want %q", want)
	}
	return nil
}
