package server_test

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

// leavingStore's View reads, then waits for the client to go away: the
// page is ready just as its reader leaves. With fail set it returns the
// context's error instead, as a store that honours cancellation does.
type leavingStore struct {
	tenantry.Store
	entered chan struct{}
	fail    bool
}

func (s leavingStore) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	err := s.Store.View(ctx, userID, tenantID, fn)
	s.entered <- struct{}{}
	<-ctx.Done()
	if s.fail {
		return ctx.Err()
	}
	return err
}

// TestClientLeavesDuringList: a client that hangs up while its list is
// being answered leaves no "superfluous response.WriteHeader call" in the
// server's error log and no error in the log, only one debug line.
func TestClientLeavesDuringList(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		fail bool
	}{{"while the body is written", false}, {"during the query", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := leavingStore{Store: openSQLite(t), entered: make(chan struct{}, 1), fail: tc.fail}
			h := authztest.NewHarness(t, st, func(c *server.Config) { c.AccessLog = true })
			u := h.NewUser("leaver@example.com")
			// A page of about 500 KB: more than the socket takes at once.
			desc := strings.Repeat("d", 5000)
			err := h.Store.Update(context.Background(), u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				for range 100 {
					if _, err := tx.CreateTask(context.Background(), tenantry.NewTask{Title: "t", Description: &desc}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			srv, errorLog := serveLogged(h.Handler)

			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			req := "GET /api/" + u.ID.String() + "/tasks?limit=100 HTTP/1.1\r\nHost: tenantry\r\nAuthorization: Bearer " + h.Token(u) + "\r\n\r\n"
			if _, err := conn.Write([]byte(req)); err != nil {
				t.Fatal(err)
			}
			<-st.entered
			conn.Close()
			srv.Close() // waits for the request to end

			if got := errorLog.String(); got != "" {
				t.Errorf("the server's error log:\n%s", got)
			}
			canceled := 0
			for _, rec := range logRecords(t, h.Logs.String()) {
				if rec["level"] == "ERROR" || rec["level"] == "WARN" {
					t.Errorf("logged at %s: %v", rec["level"], rec)
				}
				if rec["msg"] == "request canceled" {
					canceled++
					if rec["level"] != "DEBUG" || rec["route"] != "/api/{user_id}/tasks" || rec["request_id"] == nil {
						t.Errorf("request canceled: %v", rec)
					}
				}
				if rec["msg"] == "request" && rec["status"] != float64(499) {
					t.Errorf("access log of a request whose client left: %v", rec)
				}
			}
			if canceled != 1 {
				t.Errorf("%d \"request canceled\" lines, want 1:\n%s", canceled, h.Logs.String())
			}
		})
	}
}

// farFutureStore dates every task it reads in the year 10000, which
// encoding/json cannot write: huma's encoding of the answer fails after it
// has set the status.
type farFutureStore struct{ tenantry.Store }

func (s farFutureStore) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	return s.Store.View(ctx, userID, tenantID, func(tx tenantry.TenantAccess) error { return fn(farFutureTx{tx}) })
}

type farFutureTx struct{ tenantry.TenantAccess }

func (tx farFutureTx) Task(ctx context.Context, id uuid.UUID) (tenantry.Task, error) {
	t, err := tx.TenantAccess.Task(ctx, id)
	t.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	return t, err
}

// TestPanicAfterTheStatus: when writing an answer fails after its status
// was set, the connection is dropped; no second status (a 500 appended to a
// 200) is written, and the failure is logged once, with its request id.
func TestPanicAfterTheStatus(t *testing.T) {
	t.Parallel()
	db := openSQLite(t)
	h := authztest.NewHarness(t, farFutureStore{db})
	u := h.NewUser("future@example.com")
	var task tenantry.Task
	err := db.Update(context.Background(), u.ID, u.ID, func(tx tenantry.TenantAccess) (err error) {
		task, err = tx.CreateTask(context.Background(), tenantry.NewTask{Title: "t"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	srv, errorLog := serveLogged(h.Handler)
	t.Cleanup(srv.Close)
	req, err := http.NewRequest("GET", srv.URL+"/api/"+u.ID.String()+"/tasks/"+task.ID.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+h.Token(u))
	req.Header.Set("X-Request-Id", "far-future")
	if res, err := srv.Client().Do(req); err == nil {
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Errorf("an answer that could not be written was sent: %d %s", res.StatusCode, b)
	}
	srv.Close()
	if got := errorLog.String(); strings.Contains(got, "superfluous") {
		t.Errorf("the server's error log:\n%s", got)
	}
	panics := 0
	for _, rec := range logRecords(t, h.Logs.String()) {
		if rec["msg"] == "panic" {
			panics++
			if rec["level"] != "ERROR" || rec["request_id"] != "far-future" {
				t.Errorf("panic line: %v", rec)
			}
		}
	}
	if panics != 1 {
		t.Errorf("%d panic lines, want 1:\n%s", panics, h.Logs.String())
	}
}

// serveLogged serves h on a test server whose net/http error log is kept:
// what net/http says of the handler's writes (a superfluous WriteHeader).
func serveLogged(h http.Handler) (*httptest.Server, *authztest.SyncBuffer) {
	var errorLog authztest.SyncBuffer
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(&errorLog, "", 0)
	srv.Start()
	return srv, &errorLog
}
