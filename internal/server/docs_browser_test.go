package server_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/tenantry/tenantry/internal/browsertest"
)

// cspWatch records every CSP violation of the page, from before its first
// script runs.
const cspWatch = `window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`

// console collects what the page reports as an error: console.error and
// console.warn calls, uncaught exceptions, and the browser's own log
// entries of level error (a blocked or failed load, a CSP refusal).
type console struct {
	mu     sync.Mutex
	errors []string
}

func (c *console) add(s string) {
	c.mu.Lock()
	c.errors = append(c.errors, s)
	c.mu.Unlock()
}

func (c *console) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.errors...)
}

func (c *console) listen(ev any) {
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
			var args []string
			for _, a := range e.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			c.add("console." + string(e.Type) + ": " + strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		c.add("exception: " + e.ExceptionDetails.Text + " " + fmt.Sprint(e.ExceptionDetails.Exception))
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
			c.add("log " + string(e.Entry.Source) + ": " + e.Entry.Text + " " + e.Entry.URL)
		}
	}
}

// step runs one bounded browser step.
func step(t *testing.T, b *browsertest.Browser, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		// What the page shows says more than a deadline.
		shown, _ := chromedp.Run(b.Ctx, chromedp.Evaluate[string](`(document.querySelector(".dialog-ux") || document.body).innerText.slice(0, 2000)`))
		t.Fatalf("%s: %v; the page shows:\n%s", what, err, shown)
	}
}

// screenshot saves what shot captures to path.
func screenshot(t *testing.T, b *browsertest.Browser, path string, shot chromedp.Action[[]byte]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
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

// eval evaluates a JavaScript expression in the page, bounded.
func eval[T any](t *testing.T, b *browsertest.Browser, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %.60q: %v", expr, err)
	}
	return v
}

// TestDocsPageInBrowser opens /docs in headless Chromium with no network
// but loopback: the operations are listed, nothing leaves loopback, the CSP
// blocks nothing and the console stays clean; Authorize takes an email and
// password typed on the keyboard (and offers neither client credentials nor
// a cookie box), and Try it out on GET /auth/me then answers 200 with the
// token it obtained. A screenshot goes to $TENANTRY_TEST_SCREENSHOTS, or
// the test's temporary directory.
func TestDocsPageInBrowser(t *testing.T) {
	b := browsertest.New(t)
	var tokenAuth sync.Map // Authorization headers sent to POST /auth/token
	srv := newDocsServer(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "POST" && r.URL.Path == "/auth/token" {
				tokenAuth.Store(r.Header.Get("Authorization"), true)
			}
			next.ServeHTTP(w, r)
		})
	})
	const email, password = "docs@example.com", "docs-page-password"
	reg, err := http.Post(srv.URL+"/auth/register", "application/json",
		strings.NewReader(`{"email":"`+email+`","password":"`+password+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	reg.Body.Close()
	if reg.StatusCode != 201 {
		t.Fatalf("register: %d", reg.StatusCode)
	}

	var c console
	if err := chromedp.Listen(b.Ctx, c.listen); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
	if _, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("Log.enable: %v", err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspWatch}); err != nil {
		t.Fatalf("add the CSP watch: %v", err)
	}
	cancel()

	step(t, b, "open /docs", chromedp.Navigate(srv.URL+"/docs"), chromedp.WaitVisible(chromedp.CSS("#operations-accounts-me")))
	if got, want := eval[int](t, b, `document.querySelectorAll(".opblock").length`), len(routes()); got != want {
		t.Errorf("the page lists %d operations, want %d", got, want)
	}
	dir := os.Getenv("TENANTRY_TEST_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	screenshot(t, b, filepath.Join(dir, "docs.png"), chromedp.FullScreenshot(100))

	// Authorize: one scheme, email and password only.
	step(t, b, "open Authorize", chromedp.Click(chromedp.CSS(".scheme-container .btn.authorize")),
		chromedp.WaitVisible(chromedp.CSS("#oauth_username")))
	if n := eval[int](t, b, `document.querySelectorAll(".auth-container").length`); n != 1 {
		t.Errorf("Authorize offers %d schemes, want the bearer token only", n)
	}
	visible := eval[[]string](t, b, `Array.from(document.querySelectorAll(".auth-container input, .auth-container select"))
		.filter(function (e) { return e.offsetParent !== null; }).map(function (e) { return e.id; })`)
	if got, want := strings.Join(visible, ","), "oauth_username,oauth_password"; got != want {
		t.Errorf("Authorize shows the boxes %s, want %s", got, want)
	}
	if desc := eval[string](t, b, `document.querySelector(".auth-container").innerText`); !strings.Contains(desc, "Authorization: Bearer <token>") {
		t.Errorf("the scheme's description does not read as written: %q", desc)
	}
	screenshot(t, b, filepath.Join(dir, "docs-authorize.png"), chromedp.CaptureScreenshot())
	step(t, b, "type the credentials",
		chromedp.Click(chromedp.CSS("#oauth_username")), chromedp.KeyEvent(email),
		chromedp.Click(chromedp.CSS("#oauth_password")), chromedp.KeyEvent(password),
		chromedp.Click(chromedp.CSS(".auth-btn-wrapper .btn.modal-btn.authorize")),
		chromedp.WaitVisible(chromedp.CSS(`.auth-btn-wrapper button[aria-label="Remove authorization"]`)),
		chromedp.Click(chromedp.CSS(".auth-btn-wrapper .btn-done")),
		chromedp.WaitNotPresent(chromedp.CSS(".dialog-ux")),
	)

	// Try it out: GET /auth/me with the token.
	step(t, b, "try GET /auth/me",
		chromedp.Click(chromedp.CSS("#operations-accounts-me .opblock-summary-control")),
		chromedp.WaitVisible(chromedp.CSS("#operations-accounts-me .try-out__btn")),
		chromedp.Click(chromedp.CSS("#operations-accounts-me .try-out__btn")),
		chromedp.WaitVisible(chromedp.CSS("#operations-accounts-me .execute")),
		chromedp.Click(chromedp.CSS("#operations-accounts-me .execute")),
		chromedp.WaitVisible(chromedp.CSS("#operations-accounts-me .live-responses-table tbody .response-col_status")),
	)
	status := eval[string](t, b, `document.querySelector("#operations-accounts-me .live-responses-table tbody .response-col_status").innerText.trim()`)
	if status != "200" {
		t.Errorf("Try it out GET /auth/me: %q, want 200", status)
	}
	if body := eval[string](t, b, `document.querySelector("#operations-accounts-me .live-responses-table tbody .response-col_description").innerText`); !strings.Contains(body, email) {
		t.Errorf("GET /auth/me answered %q, want the account of %s", body, email)
	}

	tokenAuth.Range(func(k, _ any) bool {
		if k != "" {
			t.Errorf("POST /auth/token got Authorization %q: the hidden client credentials were sent", k)
		}
		return true
	})
	if _, ok := tokenAuth.Load(""); !ok {
		t.Error("Authorize did not call POST /auth/token")
	}
	if off := b.OffLoopback(); len(off) != 0 {
		t.Errorf("requests left loopback: %v", off)
	}
	if v := eval[[]string](t, b, `window.__csp`); len(v) != 0 {
		t.Errorf("CSP violations: %v", v)
	}
	if errs := c.all(); len(errs) != 0 {
		t.Errorf("the console reported:\n%s", strings.Join(errs, "\n"))
	}

	axeCheck(t, b)
}

// axeCheck runs axe-core on the page when TENANTRY_TEST_AXE names
// axe.min.js (.ci/run installs it). Swagger UI's own markup is not ours to
// fix: its violations are logged; one in the page's own markup (outside
// #swagger-ui) fails the test.
func axeCheck(t *testing.T, b *browsertest.Browser) {
	t.Helper()
	violations, ok := browsertest.Axe(t, b, "#swagger-ui")
	if !ok {
		return
	}
	var ours, theirs bytes.Buffer
	for _, v := range violations {
		n, first := 0, ""
		for _, node := range v.Nodes {
			if !node.Within {
				fmt.Fprintf(&ours, "  %s (%s): %s at %s\n", v.ID, v.Impact, v.Help, node.Target)
				continue
			}
			if n++; first == "" {
				first = node.Target
			}
		}
		if n > 0 {
			fmt.Fprintf(&theirs, "  %s (%s): %s: %d elements, the first at %s\n", v.ID, v.Impact, v.Help, n, first)
		}
	}
	if theirs.Len() > 0 {
		t.Logf("axe, in Swagger UI's markup (logged, not failing):\n%s", theirs.String())
	}
	if ours.Len() > 0 {
		t.Errorf("axe, in the page's own markup:\n%s", ours.String())
	}
	t.Logf("axe: %d rules violated in all", len(violations))
}
