package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// buildTenantry builds cmd/tenantry into a temporary directory.
func buildTenantry(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "tenantry")
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go command is not on PATH, so the server cannot be built: %v", err)
	}
	out, err := exec.Command(goCmd, "build", "-o", bin, "github.com/tenantry/tenantry/cmd/tenantry").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// child is a running tenantry serve.
type child struct {
	cmd  *exec.Cmd
	base string // http://host:port
	mu   sync.Mutex
	logs bytes.Buffer
	done chan struct{}
}

// startChild runs `bin serve -addr 127.0.0.1:0 -db db` with env added, and
// waits for its "listening" line. It is killed when the test ends.
func startChild(t *testing.T, bin, db string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-db", db)
	// The faults tests measure recovery, not throttling: every rate limit
	// is off (the variable is ignored by a build without limits).
	cmd.Env = append(append(os.Environ(), "TENANTRY_RATE_LIMIT=off"), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			c.mu.Lock()
			c.logs.Write(line)
			c.logs.WriteByte('\n')
			c.mu.Unlock()
			var rec struct{ Msg, Addr string }
			if json.Unmarshal(line, &rec) == nil && rec.Msg == "listening" {
				select {
				case addr <- rec.Addr:
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(c.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-c.done
	})
	select {
	case a := <-addr:
		c.base = "http://" + a
	case <-c.done:
		t.Fatalf("tenantry serve exited before listening:\n%s", c.Logs())
	case <-time.After(60 * time.Second):
		t.Fatalf("tenantry serve did not start:\n%s", c.Logs())
	}
	return c
}

// Logs returns what the child has logged so far.
func (c *child) Logs() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logs.String()
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-c.done
}

// answer is one HTTP exchange's outcome.
type answer struct {
	status      int
	contentType string
	body        []byte
}

// do sends one request with a short timeout; a transport error is returned
// as err.
func (c *child) do(ctx context.Context, method, path, token, contentType string, body []byte) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b}, nil
}

// signUp registers a fresh account and returns its id and a bearer token.
func (c *child) signUp(t *testing.T) (id, token string) {
	t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("u%d@example.com", time.Now().UnixNano())
	const password = "correct horse battery"
	reg, err := c.do(ctx, "POST", "/auth/register", "", "application/json",
		[]byte(fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)))
	if err != nil || reg.status != http.StatusCreated {
		t.Fatalf("register: %v %d %s", err, reg.status, reg.body)
	}
	var u struct{ ID string }
	if err := json.Unmarshal(reg.body, &u); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"username": {email}, "password": {password}, "grant_type": {"password"}}.Encode()
	tok, err := c.do(ctx, "POST", "/auth/token", "", "application/x-www-form-urlencoded", []byte(form))
	if err != nil || tok.status != http.StatusOK {
		t.Fatalf("token: %v %d %s", err, tok.status, tok.body)
	}
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(tok.body, &tr); err != nil || tr.AccessToken == "" {
		t.Fatalf("token body %s: %v", tok.body, err)
	}
	return u.ID, tr.AccessToken
}

// isProblem reports whether a is an RFC 9457 problem document.
func isProblem(a answer) bool {
	return strings.HasPrefix(a.contentType, "application/problem+json") && json.Valid(a.body)
}
