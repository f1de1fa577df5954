package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed static templates
var files embed.FS

// asset is one embedded file served under a name with its content hash.
type asset struct {
	body        []byte
	contentType string
}

// assets maps "app.css" to "app.<hash>.css" and serves the hashed names
// forever: a new build has new names, so browsers never keep a stale file.
type assets struct {
	names  map[string]string // app.css → app.1a2b3c4d5e6f.css
	served map[string]asset  // app.1a2b3c4d5e6f.css → the file
}

func loadAssets() (*assets, error) {
	as := &assets{names: map[string]string{}, served: map[string]asset{}}
	entries, err := fs.ReadDir(files, "static")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		body, err := fs.ReadFile(files, "static/"+e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(e.Name())
		hashed := strings.TrimSuffix(e.Name(), ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ct := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}[ext]
		if ct == "" {
			return nil, fmt.Errorf("web: no content type for %s", e.Name())
		}
		as.names[e.Name()] = hashed
		as.served[hashed] = asset{body: body, contentType: ct}
	}
	return as, nil
}

// url is where the asset called name is served.
func (as *assets) url(name string) (string, error) {
	h, ok := as.names[name]
	if !ok {
		return "", fmt.Errorf("web: no asset %s", name)
	}
	return "/static/" + h, nil
}

// static serves an asset by its hashed name, cached for a year.
func (ui *UI) static(w http.ResponseWriter, r *http.Request) {
	a, ok := ui.assets.served[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(a.body)
}
