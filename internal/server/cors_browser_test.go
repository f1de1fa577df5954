package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/browsertest"
	"github.com/tenantry/tenantry/internal/server"
)

// pageResult is what the page's script learned from the API.
type pageResult struct {
	Error     string `json:"error"`
	Health    int    `json:"health"`
	RequestID string `json:"request_id"`
	Register  int    `json:"register"`
	Login     int    `json:"login"`
	Write     int    `json:"write"`
	Me        string `json:"me"`
}

// pageScript, run in a page of another origin, calls the API at api as a
// browser app would: a plain GET, a JSON register (preflighted), a login
// that sets the session cookie, a write and a read with that cookie.
func pageScript(api string) string {
	return `(async () => {
  const api = ` + strconv.Quote(api) + `;
  const out = {};
  try {
    let r = await fetch(api + "/healthz", {headers: {"X-Request-Id": "from-the-page"}});
    out.health = r.status;
    out.request_id = r.headers.get("X-Request-Id") || "";
    const creds = JSON.stringify({email: "page@example.com", password: "password-1"});
    const json = {"Content-Type": "application/json"};
    r = await fetch(api + "/auth/register", {method: "POST", headers: json, body: creds});
    out.register = r.status;
    const user = await r.json();
    r = await fetch(api + "/auth/login", {method: "POST", headers: json, body: creds, credentials: "include"});
    out.login = r.status;
    r = await fetch(api + "/api/" + user.id + "/tasks", {method: "POST", headers: json,
      body: JSON.stringify({title: "from another origin"}), credentials: "include"});
    out.write = r.status;
    r = await fetch(api + "/auth/me", {credentials: "include"});
    out.me = (await r.json()).email;
  } catch (e) {
    out.error = String(e);
  }
  return out;
})()`
}

// TestCORSInABrowser: a page on one origin (its own server) calls the API
// on another (another port) from headless Chromium. With the page's
// origin listed, every call works, cookie session included; with another
// origin listed instead, the browser refuses the first one.
func TestCORSInABrowser(t *testing.T) {
	t.Parallel()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>app</title><p>app</p>`))
	}))
	t.Cleanup(page.Close)
	api := func(origins ...string) *httptest.Server {
		h := authztest.NewHarness(t, openSQLite(t), func(c *server.Config) { c.CORSOrigins = origins })
		srv := httptest.NewServer(h.Handler)
		t.Cleanup(srv.Close)
		return srv
	}
	listed := api(page.URL)
	unlisted := api("http://127.0.0.1:1")

	b := browsertest.New(t)
	run := func(srv *httptest.Server) pageResult {
		t.Helper()
		ctx, cancel := context.WithTimeout(b.Ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(ctx, chromedp.Navigate(page.URL)); err != nil {
			t.Fatal(err)
		}
		res, err := chromedp.Run(ctx, chromedp.Evaluate[pageResult](pageScript(srv.URL), chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	got := run(listed)
	want := pageResult{Health: 200, RequestID: "from-the-page", Register: 201, Login: 200, Write: 201, Me: "page@example.com"}
	if got != want {
		t.Errorf("from a listed origin: %+v, want %+v", got, want)
	}
	got = run(unlisted)
	if got.Error == "" || got.Health != 0 {
		t.Errorf("from an unlisted origin the page could read the API: %+v", got)
	}
	if off := b.OffLoopback(); len(off) != 0 {
		t.Errorf("requests off loopback: %v", off)
	}
}
