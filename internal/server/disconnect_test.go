package server_test

import (
	"context"
	"log"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

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

func (s leavingStore) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantTx) error) error {
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
			err := h.Store.Update(context.Background(), u.ID, u.ID, func(tx tenantry.TenantTx) error {
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
			var errorLog authztest.SyncBuffer
			srv := httptest.NewUnstartedServer(h.Handler)
			srv.Config.ErrorLog = log.New(&errorLog, "", 0)
			srv.Start()

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
