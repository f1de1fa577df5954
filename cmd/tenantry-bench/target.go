package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"
)

// runTarget benchmarks a server someone else started. Without access to
// its database it seeds through the API: each tenant's user registers, logs
// in with /auth/token, and creates its tasks. There is no baseline and no
// RSS (the server is not our child).
func runTarget(ctx context.Context, s Settings, stderr io.Writer) (DBRun, error) {
	r := DBRun{DB: "target " + s.Target, Tenants: s.Tenants, TasksPerTenant: s.TasksPerTenant}
	client := newClient(s.Concurrency)
	run := randomName()
	fmt.Fprintf(stderr, "target: registering %d users and creating %d tasks each through the API...\n", s.Tenants, s.TasksPerTenant)
	t0 := time.Now()
	data := make([]tenantData, s.Tenants)
	var done atomic.Int64
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.SeedWorkers)
	for i := range data {
		g.Go(func() error {
			t, err := seedHTTP(gctx, client, s.Target, fmt.Sprintf("bench-%s-%07d@example.com", run, i), s.TasksPerTenant)
			if err != nil {
				return err
			}
			data[i] = t
			if n := done.Add(1); n%100 == 0 {
				fmt.Fprintf(stderr, "  %d/%d tenants\n", n, s.Tenants)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return r, err
	}
	r.SeedSeconds = time.Since(t0).Seconds()
	l := load{baseURL: s.Target, client: client, concurrency: s.Concurrency, maxRequests: s.MaxRequests, seed: 1}
	if s.Warmup > 0 {
		l.duration = s.Warmup
		l.run(ctx, tenantryAPI().workload(OpMixed, data))
	}
	l.duration = s.Duration
	for _, op := range s.Ops {
		fmt.Fprintf(stderr, "target: %s...\n", op)
		r.Ops = append(r.Ops, OpResult{Op: op, Tenantry: l.run(ctx, tenantryAPI().workload(op, data))})
	}
	return r, nil
}

// seedHTTP registers one user, logs in and creates its tasks.
func seedHTTP(ctx context.Context, c *http.Client, base, email string, tasks int) (tenantData, error) {
	var t tenantData
	body, _ := json.Marshal(map[string]string{"email": email, "password": benchPassword})
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/auth/register", bytes.NewReader(body))
	if err != nil {
		return t, err
	}
	req.Header.Set("Content-Type", "application/json")
	var user struct {
		ID uuid.UUID `json:"id"`
	}
	if err := doJSON(c, req, http.StatusCreated, &user); err != nil {
		return t, fmt.Errorf("POST /auth/register: %w", err)
	}
	t.UserID, t.Email = user.ID, email
	if t.Token, err = passwordToken(ctx, c, base, email); err != nil {
		return t, err
	}
	for j := range tasks {
		body, _ := json.Marshal(map[string]any{"title": fmt.Sprintf("Task %d", j),
			"description": "seeded by the load benchmark", "completed": j%3 == 0})
		req, err := http.NewRequestWithContext(ctx, "POST", fmt.Sprintf("%s/api/%s/tasks", base, t.UserID), bytes.NewReader(body))
		if err != nil {
			return t, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+t.Token)
		var task struct {
			ID uuid.UUID `json:"id"`
		}
		if err := doJSON(c, req, http.StatusCreated, &task); err != nil {
			return t, fmt.Errorf("POST /api/{user_id}/tasks: %w", err)
		}
		t.Tasks = append(t.Tasks, task.ID)
	}
	return t, nil
}

// doJSON sends req and decodes a JSON answer of the wanted status into out.
func doJSON(c *http.Client, req *http.Request, want int, out any) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(body))
	}
	return json.Unmarshal(body, out)
}
