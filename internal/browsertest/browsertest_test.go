package browsertest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
)

func TestNewRendersALoopbackPage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><p id="p">hello</p>`))
	}))
	defer srv.Close()
	b := New(t)
	if err := chromedp.Do(b.Ctx, chromedp.Navigate(srv.URL)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(b.Ctx, chromedp.Text("#p"))
	if err != nil {
		t.Fatal(err)
	}
	if got != "hello" {
		t.Fatalf("text = %q, want hello", got)
	}
	if len(b.Requests()) == 0 {
		t.Fatal("no request recorded")
	}
	if off := b.OffLoopback(); len(off) != 0 {
		t.Fatalf("requests off loopback: %v", off)
	}
}
