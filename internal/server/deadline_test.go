package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// slowStore takes its time to create a user, and reports whether the
// request's context was still alive when it was done.
type slowStore struct {
	tenantry.Store
	delay time.Duration
	err   chan error
}

func (s slowStore) CreateUser(ctx context.Context, email, hash string) (tenantry.User, error) {
	time.Sleep(s.delay)
	s.err <- ctx.Err()
	return s.Store.CreateUser(ctx, email, hash)
}

// TestBodyDeadlineLiftedAfterRead: an operation that outlasts the body read
// timeout keeps its context. A read deadline left on the connection would
// fire during the operation, and net/http would cancel the context.
func TestBodyDeadlineLiftedAfterRead(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st := slowStore{Store: db, delay: 300 * time.Millisecond, err: make(chan error, 1)}
	h, err := newHandler(Config{Store: st, Secret: []byte("0123456789abcdef0123456789abcdef")}, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	res, err := srv.Client().Post(srv.URL+"/auth/register", "application/json",
		strings.NewReader(`{"email":"slow@example.com","password":"password-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := <-st.err; err != nil {
		t.Errorf("the operation's context ended: %v", err)
	}
	if got, want := res.StatusCode, http.StatusCreated; got != want {
		t.Errorf("status %d, want %d", got, want)
	}
}
