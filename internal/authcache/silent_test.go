package authcache_test

import (
	"context"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/authcache"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// stallProxy forwards TCP connections to a PostgreSQL server until stall,
// after which the connections open at that moment carry nothing more in
// either direction and are never closed: a peer gone without a reset.
// Connections made later flow again.
type stallProxy struct {
	ln       net.Listener
	upstream string

	mu    sync.Mutex
	conns []*stallConn
	done  chan struct{}
}

type stallConn struct {
	stalled chan struct{}
	once    sync.Once
}

func newStallProxy(t *testing.T, upstream string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{ln: ln, upstream: upstream, done: make(chan struct{})}
	t.Cleanup(func() { close(p.done); ln.Close() })
	go p.serve()
	return p
}

func (p *stallProxy) serve() {
	for {
		down, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			down.Close()
			continue
		}
		c := &stallConn{stalled: make(chan struct{})}
		p.mu.Lock()
		p.conns = append(p.conns, c)
		p.mu.Unlock()
		go p.pipe(c, up, down)
		go p.pipe(c, down, up)
	}
}

// pipe copies from src to dst until c stalls, then holds both open until
// the test ends.
func (p *stallProxy) pipe(c *stallConn, dst, src net.Conn) {
	defer func() { <-p.done; dst.Close(); src.Close() }()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		select {
		case <-c.stalled:
			return
		default:
		}
		if n > 0 {
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// stall silences every connection open now.
func (p *stallProxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.once.Do(func() { close(c.stalled) })
	}
	p.conns = nil
}

// through returns dbURL with its host replaced by the proxy's.
func (p *stallProxy) through(t *testing.T, dbURL string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.ln.Addr().String()
	return u.String()
}

// TestPostgresSilentListenerIsNoticed holds the listener to the bound
// docs/design.md promises for a connection that dies without a word (no
// reset, no error: what a vanished peer or a dropped route looks like): it
// is noticed by the listener's own ping, not by TCP keepalive minutes later,
// so the short TTL applies again, and a new connection is made. A listener
// that only waits for notifications, with no deadline, would stay
// "listening" here for as long as the kernel keeps the socket.
func TestPostgresSilentListenerIsNoticed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := postgrestest.NewDatabase(t)
	st, err := postgres.Open(ctx, db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(db.AppURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newStallProxy(t, u.Host)
	c := authcache.New(st, authcache.Options{})
	if err := c.Listen(ctx, proxy.through(t, db.AppURL)); err != nil {
		st.Close()
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if !c.Listening() {
		t.Fatal("not listening after Listen")
	}

	proxy.stall()
	// The promised bound is authcache.DefaultTTL (5 s); the wait is three
	// times that, so a slow machine does not fail it, and far below the
	// minutes keepalive would take.
	waitFor(t, 3*authcache.DefaultTTL, "the stalled listener noticed", func() bool { return !c.Listening() })
	waitFor(t, 3*authcache.DefaultTTL, "a new listener connection", c.Listening)
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
