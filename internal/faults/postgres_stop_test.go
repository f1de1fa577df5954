package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/postgres"
)

// load is what clients saw while the database came and went.
type load struct {
	mu        sync.Mutex
	byStatus  map[int]int
	transport int
	bad       []string // answers that break the rules: a 5xx other than a problem+json 503
}

func (l *load) record(a answer, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err != nil {
		l.transport++
		return
	}
	l.byStatus[a.status]++
	if a.status >= 500 && (a.status != http.StatusServiceUnavailable || !isProblem(a)) && len(l.bad) < 10 {
		l.bad = append(l.bad, fmt.Sprintf("%d %s %.200s", a.status, a.contentType, a.body))
	}
}

func (l *load) count(status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byStatus[status]
}

// TestPostgresStoppedUnderLoad: with clients reading and writing, the
// PostgreSQL cluster is stopped. /readyz answers 503, requests answer a
// problem+json 503 (never a 500); once the cluster is started again the
// same server process, not restarted, answers 200 and 201 again, with the
// same bearer token.
func TestPostgresStoppedUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server and a PostgreSQL cluster: not in -short")
	}
	t.Parallel()
	pg := newCluster(t)
	bin := buildTenantry(t)
	ctx := context.Background()

	admin, err := pgx.Connect(ctx, pg.url("postgres", "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE tenantry"); err != nil {
		t.Fatal(err)
	}
	admin.Close(ctx)
	// The roles belong to this cluster and go with it.
	if err := postgres.Migrate(ctx, pg.url("postgres", "tenantry"), "tenantry_app"); err != nil {
		t.Fatal(err)
	}
	c := startChild(t, bin, pg.url("tenantry_app", "tenantry"), "TENANTRY_SECRET="+strings.Repeat("s", 40))
	userID, token := c.signUp(t)
	created, err := c.do(ctx, "POST", "/api/"+userID+"/tasks", token, "application/json", []byte(`{"title":"first"}`))
	if err != nil || created.status != http.StatusCreated {
		t.Fatalf("create: %v %d %s", err, created.status, created.body)
	}
	var task struct{ ID string }
	if err := json.Unmarshal(created.body, &task); err != nil {
		t.Fatal(err)
	}

	l := &load{byStatus: map[int]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if (w+i)%2 == 0 {
					l.record(c.do(ctx, "GET", "/api/"+userID+"/tasks/"+task.ID, token, "", nil))
				} else {
					l.record(c.do(ctx, "POST", "/api/"+userID+"/tasks", token, "application/json", []byte(`{"title":"t"}`)))
				}
				time.Sleep(5 * time.Millisecond) // load, not a flood: keep the machine usable
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	// until waits for cond, checking every 50 ms; the guard only stops a
	// test that would otherwise wait forever.
	until := func(what string, cond func() bool) {
		t.Helper()
		guard := time.Now().Add(60 * time.Second)
		for !cond() {
			l.mu.Lock()
			bad, seen, transport := l.bad, fmt.Sprint(l.byStatus), l.transport
			l.mu.Unlock()
			switch {
			case len(bad) > 0:
				t.Fatalf("%s: answers that are not a problem+json 503 (answers so far %s):\n%s", what, seen, strings.Join(bad, "\n"))
			case time.Now().After(guard):
				t.Fatalf("%s: not seen (answers so far %s, transport errors %d); the server's last lines:\n%s",
					what, seen, transport, tail(c.Logs(), 20))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	ready := func(want int) func() bool {
		return func() bool {
			a, err := c.do(ctx, "GET", "/readyz", "", "", nil)
			return err == nil && a.status == want
		}
	}
	until("answers before the stop", func() bool { return l.count(http.StatusOK) >= 20 && l.count(http.StatusCreated) >= 20 })

	pg.stop(t)
	until("/readyz 503 with the database stopped", ready(http.StatusServiceUnavailable))
	a, err := c.do(ctx, "GET", "/readyz", "", "", nil)
	if err != nil || !isProblem(a) {
		t.Errorf("/readyz while stopped: %v, %q %s; want a problem+json", err, a.contentType, a.body)
	}
	before := l.count(http.StatusServiceUnavailable)
	until("requests answered 503 while the database is stopped", func() bool {
		return l.count(http.StatusServiceUnavailable) >= before+20
	})

	pg.start(t)
	until("/readyz 200 once the database is back", ready(http.StatusOK))
	okBefore, createdBefore := l.count(http.StatusOK), l.count(http.StatusCreated)
	until("reads and writes succeed again, without restarting the server", func() bool {
		return l.count(http.StatusOK) >= okBefore+10 && l.count(http.StatusCreated) >= createdBefore+10
	})

	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.bad) > 0 {
		t.Errorf("answers that are not a problem+json 503 while the database was away:\n%s", strings.Join(l.bad, "\n"))
	}
	if l.transport > 0 {
		t.Errorf("%d requests got no HTTP answer at all", l.transport)
	}
	t.Logf("answers by status: %v", l.byStatus)
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
