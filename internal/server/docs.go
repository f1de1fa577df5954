package server

import (
	"bytes"
	"embed"
	"net/http"
	"time"

	swaggerui "github.com/swaggest/swgui/v5/static"
	"github.com/vearutop/statigz"
)

// docsFiles are the docs page and Tenantry's own script and stylesheet for
// it. Swagger UI's files come from the swgui module, built into the
// binary: the page needs nothing from another host.
//
//go:embed docs/index.html docs/docs.js docs/docs.css
var docsFiles embed.FS

// docsCSP allows the docs page exactly what it loads: its scripts, styles
// and images from this origin (Swagger UI's icons are data: URIs in its
// stylesheet), and requests to this origin only (the document, Authorize,
// Try it out). No inline script or style, no eval, no frames.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// docsAsset tells which files make the docs page, and whether each is
// swgui's (Swagger UI 5) rather than Tenantry's.
func docsAsset(file string) (fromSwgui, ok bool) {
	switch file {
	case "index.html", "docs.js", "docs.css":
		return false, true
	case "swagger-ui-bundle.js", "swagger-ui.css", "favicon-16x16.png", "favicon-32x32.png":
		return true, true
	}
	return false, false
}

// docsHandler serves GET /docs (the page) and GET /docs/{file}.
func docsHandler(problem func(http.ResponseWriter, *http.Request, error)) http.Handler {
	// statigz serves swgui's gzipped files as they are to a browser that
	// takes gzip, and unpacks them for one that does not.
	swagger := statigz.FileServer(swaggerui.FS, statigz.OnError(func(w http.ResponseWriter, _ *http.Request, _ error) {
		// The files were indexed at start, so what fails is a write to a
		// client that went away, after the answer began: nothing to add.
		if sw, ok := w.(*startedWriter); ok && !sw.started {
			http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		}
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", docsCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		file := r.PathValue("file")
		if file == "" {
			file = "index.html"
		}
		fromSwgui, ok := docsAsset(file)
		switch {
		case !ok:
			problem(w, r, refused(http.StatusNotFound, "No such route"))
		case fromSwgui:
			r2 := r.Clone(r.Context())
			r2.URL.Path = "/" + file
			swagger.ServeHTTP(&startedWriter{ResponseWriter: w}, r2)
		default:
			b, err := docsFiles.ReadFile("docs/" + file)
			if err != nil { // every own file is embedded above
				http.Error(w, "Internal Server Error", http.StatusInternalServerError)
				return
			}
			h.Set("Cache-Control", "no-cache")
			http.ServeContent(w, r, file, time.Time{}, bytes.NewReader(b))
		}
	})
}

// startedWriter records whether the answer has begun.
type startedWriter struct {
	http.ResponseWriter
	started bool
}

func (w *startedWriter) WriteHeader(code int) {
	w.started = true
	w.ResponseWriter.WriteHeader(code)
}

func (w *startedWriter) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}
