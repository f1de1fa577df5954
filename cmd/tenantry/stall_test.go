package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeStalledBody: through the server serve builds, a client that
// announces a body and stops sending gets its 408 and the end of the
// connection once the body timeout (5 s) has passed, not the read timeout
// (30 s), and never an open connection for good.
func TestServeStalledBody(t *testing.T) {
	t.Parallel()
	base, _ := startServe(t, filepath.Join(t.TempDir(), "tenantry.db"), nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A guard against hanging the test, not a timed assertion: it lies
	// between the body timeout and the server's read timeout.
	conn.SetDeadline(time.Now().Add(25 * time.Second))
	fmt.Fprint(conn, "POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"a\":1")
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusRequestTimeout || !res.Close {
		t.Errorf("status %d, close %v, want 408 and close: %s", res.StatusCode, res.Close, body)
	}
	_, err = br.ReadByte()
	var netErr net.Error
	if err == nil || errors.As(err, &netErr) && netErr.Timeout() {
		t.Errorf("after the answer: %v; want the connection closed", err)
	}
}

// TestHTTPServerBounded: every phase of a connection has a bound.
func TestHTTPServerBounded(t *testing.T) {
	t.Parallel()
	srv := newHTTPServer(t.Context(), http.NotFoundHandler(), nil)
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout,
	} {
		if d <= 0 {
			t.Errorf("%s is %v: a client could hold a connection for good", name, d)
		}
	}
}
