package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// stepTimeout bounds one step in the tab.
const stepTimeout = 30 * time.Second

// Do runs actions in the tab, bounded; a failure ends the test with what
// the page shows, which says more than a deadline.
func (b *Browser) Do(t testing.TB, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
		defer cancel()
		shown, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ""`))
		t.Fatalf("%s: %v; the page shows:\n%s", what, err, shown)
	}
}

// Eval evaluates a JavaScript expression in b's page, bounded. DevTools
// evaluation is not subject to the page's CSP.
func Eval[T any](t testing.TB, b *Browser, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %.60q: %v", expr, err)
	}
	return v
}

// Screenshot saves what shot captures to path.
func (b *Browser) Screenshot(t testing.TB, path string, shot chromedp.Action[[]byte]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
}

// ShotDir is where screenshots go: $TENANTRY_TEST_SCREENSHOTS, or the
// test's temporary directory.
func ShotDir(t testing.TB) string {
	if dir := os.Getenv("TENANTRY_TEST_SCREENSHOTS"); dir != "" {
		return dir
	}
	return t.TempDir()
}

// KeepOnFailure saves a screenshot and the HTML of b's page, named after
// the test and name, into ShotDir when the test has failed.
func (b *Browser) KeepOnFailure(t testing.TB, name string) {
	dir := ShotDir(t) // made now: TempDir cannot be called in Cleanup
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		base := filepath.Join(dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-"+name)
		ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
		defer cancel()
		if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(base+".png", png, 0o644)
		}
		if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
			_ = os.WriteFile(base+".html", []byte(html), 0o644)
		}
		t.Logf("failed: the page is kept in %s.png and .html", base)
	})
}
