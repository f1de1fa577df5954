// Package browsertest runs pages in a real browser for tests: Debian's
// Chromium, headless, driven through chromedp. A test that needs it calls
// New; without Chromium on the machine the test is skipped with a message,
// unless TENANTRY_TEST_BROWSER=require (as in CI), when it fails.
package browsertest

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Browser is one headless Chromium tab.
type Browser struct {
	// Ctx runs chromedp actions in the tab: chromedp.Do(b.Ctx, ...) and
	// chromedp.Run(b.Ctx, ...). Bound one step with a timeout derived from
	// it, never the whole context (that would stop the browser).
	Ctx context.Context

	mu       sync.Mutex
	requests []string
}

// chromiumPath finds the browser: $TENANTRY_TEST_CHROMIUM, else Debian's.
func chromiumPath() string {
	if p := os.Getenv("TENANTRY_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// New starts a fresh headless Chromium (its own empty profile, no
// background networking) with one tab, closed when the test ends. Every
// request the tab makes is recorded (Requests).
func New(t testing.TB) *Browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("TENANTRY_TEST_BROWSER") == "require" {
			t.Fatal("TENANTRY_TEST_BROWSER=require but no chromium found (apt-get install chromium)")
		}
		t.Skip("no chromium on this machine: browser test skipped (apt-get install chromium; TENANTRY_TEST_BROWSER=require makes this a failure)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	b := &Browser{Ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			b.mu.Lock()
			b.requests = append(b.requests, e.Request.URL)
			b.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// Requests returns the URL of every request the tab has made so far.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// OffLoopback returns the requests that went anywhere but 127.0.0.1,
// ::1 or localhost (data: and about: URLs are not requests on the wire).
func (b *Browser) OffLoopback() []string {
	var off []string
	for _, raw := range b.Requests() {
		u, err := url.Parse(raw)
		if err != nil {
			off = append(off, raw)
			continue
		}
		switch u.Scheme {
		case "data", "about", "blob":
			continue
		}
		switch u.Hostname() {
		case "127.0.0.1", "::1", "localhost":
			continue
		}
		off = append(off, raw)
	}
	return off
}
