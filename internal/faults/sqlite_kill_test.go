package faults

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"
	_ "modernc.org/sqlite" // the "sqlite" driver, to check the file as SQLite sees it

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// TestSQLiteSurvivesKill9: the server is killed with SIGKILL while four
// clients create tasks as fast as they can. The database then opens clean
// (integrity_check ok, the store opens and migrates), and every task whose
// 201 reached a client is there, with the title it was given.
func TestSQLiteSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server: not in -short")
	}
	t.Parallel()
	bin := buildTenantry(t)
	db := filepath.Join(t.TempDir(), "tenantry.db")
	c := startChild(t, bin, db)
	userID, token := c.signUp(t)

	const writers, killAfter = 4, 200
	var (
		mu    sync.Mutex
		acked = map[uuid.UUID]string{} // task id -> title
		wg    sync.WaitGroup
		kill  = make(chan struct{})
		once  sync.Once
	)
	ctx := context.Background()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				title := fmt.Sprintf("w%d-%d", w, i)
				a, err := c.do(ctx, "POST", "/api/"+userID+"/tasks", token, "application/json",
					[]byte(fmt.Sprintf(`{"title":%q}`, title)))
				if err != nil {
					return // the server is gone
				}
				if a.status != http.StatusCreated {
					t.Errorf("create: %d %s", a.status, a.body)
					return
				}
				var task struct{ ID uuid.UUID }
				if err := json.Unmarshal(a.body, &task); err != nil {
					t.Errorf("create: %v", err)
					return
				}
				mu.Lock()
				acked[task.ID] = title
				n := len(acked)
				mu.Unlock()
				if n >= killAfter {
					once.Do(func() { close(kill) })
				}
			}
		}()
	}
	<-kill
	c.kill(t) // while the other writers' requests are in flight
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := raw.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check = %q, %v; want ok", check, err)
	}
	raw.Close()

	store, err := sqlite.Open(ctx, db)
	if err != nil {
		t.Fatalf("open after kill -9: %v", err)
	}
	defer store.Close()
	uid := uuid.MustParse(userID)
	missing := 0
	err = store.View(ctx, uid, uid, func(tx tenantry.TenantAccess) error {
		for id, title := range acked {
			task, err := tx.Task(ctx, id)
			if err != nil || task.Title != title {
				missing++
				if missing <= 5 {
					t.Errorf("acknowledged task %s (%q): %v, title %q", id, title, err, task.Title)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if missing > 0 {
		t.Errorf("%d of %d acknowledged writes lost", missing, len(acked))
	}
	t.Logf("%d acknowledged writes, all present after kill -9", len(acked))
}
