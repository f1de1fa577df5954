package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/auth"
)

// benchPassword is every seeded user's password. The users share it, so the
// argon2id hash is computed once and stored for all of them.
const benchPassword = "bench-password-0000"

// tenantData is one seeded personal tenant: its user, the user's token, and
// the ids of its seeded tasks.
type tenantData struct {
	UserID uuid.UUID
	Email  string
	Token  string
	Tasks  []uuid.UUID
}

func benchEmail(i int) string { return fmt.Sprintf("bench-%07d@example.com", i) }

// seed creates tenants number from..to-1 through the store: each user with
// its personal tenant (CreateUser), then its tasks in one Update, so one
// transaction per tenant. workers tenants are seeded at a time.
func seed(ctx context.Context, store tenantry.Store, hash string, from, to, tasks, workers int, progress io.Writer) ([]tenantData, error) {
	out := make([]tenantData, to-from)
	var done atomic.Int64
	start := time.Now()
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	var mu sync.Mutex
	lastReport := time.Now()
	for i := from; i < to; i++ {
		g.Go(func() error {
			u, err := store.CreateUser(ctx, benchEmail(i), hash)
			if err != nil {
				return fmt.Errorf("seeding user %d: %w", i, err)
			}
			ids := make([]uuid.UUID, 0, tasks)
			err = store.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantAccess) error {
				for j := range tasks {
					t, err := tx.CreateTask(ctx, seedTask(i, j))
					if err != nil {
						return err
					}
					ids = append(ids, t.ID)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("seeding tasks of tenant %d: %w", i, err)
			}
			out[i-from] = tenantData{UserID: u.ID, Email: u.Email, Tasks: ids}
			n := done.Add(1)
			mu.Lock()
			if time.Since(lastReport) > 5*time.Second {
				lastReport = time.Now()
				fmt.Fprintf(progress, "  seeded %d/%d tenants (%.0f/s)\n", n, to-from, float64(n)/time.Since(start).Seconds())
			}
			mu.Unlock()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}

// seedTask is task j of tenant i.
func seedTask(i, j int) tenantry.NewTask {
	desc := "seeded by the load benchmark"
	return tenantry.NewTask{
		Title:       fmt.Sprintf("Task %d of tenant %d", j, i),
		Description: &desc,
		Completed:   j%3 == 0,
	}
}

// copyUsers bulk-loads users from..to-1 into PostgreSQL with COPY, as the
// owner: for each, the rows CreateUser writes (the user, its personal tenant
// named by its email, and its owner membership).
func copyUsers(ctx context.Context, ownerURL, hash string, from, to int) ([]tenantData, error) {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	out := make([]tenantData, to-from)
	var users, tenants, members [][]any
	for i := range out {
		id := uuid.Must(uuid.NewV7())
		email := benchEmail(from + i)
		now := time.Now().UTC().Truncate(time.Microsecond)
		out[i] = tenantData{UserID: id, Email: email}
		users = append(users, []any{id, email, hash, int64(1), now})
		tenants = append(tenants, []any{id, string(tenantry.KindPersonal), email, now})
		members = append(members, []any{id, id, string(tenantry.RoleOwner), now})
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after Commit
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"users", []string{"id", "email", "password_hash", "auth_version", "created_at"}, users},
		{"tenants", []string{"id", "kind", "name", "created_at"}, tenants},
		{"memberships", []string{"tenant_id", "user_id", "role", "created_at"}, members},
	} {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			return nil, err
		}
	}
	return out, tx.Commit(ctx)
}

// copyTasks bulk-loads the tenants' tasks into PostgreSQL with COPY, as
// the owner: the same rows the store's CreateTask would write, ids UUIDv7
// in creation order, times in microseconds. It is how the scale mode reaches
// a million tasks in seconds rather than minutes. COPY is refused on tables
// with row-level security unless the role bypasses it (a superuser does);
// the caller falls back to the store then.
func copyTasks(ctx context.Context, ownerURL string, tenants []tenantData, from, tasks int) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	const batch = 1000 // tenants per COPY
	for lo := 0; lo < len(tenants); lo += batch {
		hi := min(lo+batch, len(tenants))
		rows := make([][]any, 0, (hi-lo)*tasks)
		for i := lo; i < hi; i++ {
			t := &tenants[i]
			t.Tasks = make([]uuid.UUID, tasks)
			for j := range tasks {
				id := uuid.Must(uuid.NewV7())
				now := time.Now().UTC().Truncate(time.Microsecond)
				nt := seedTask(from+i, j)
				t.Tasks[j] = id
				rows = append(rows, []any{t.UserID, id, nt.Title, *nt.Description, nt.Completed, now, now})
			}
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"tasks"},
			[]string{"tenant_id", "id", "title", "description", "completed", "created_at", "updated_at"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
	}
	return nil
}

// mintTokens signs a token for each tenant's user with the server's secret,
// issuer and audience: the code /auth/token runs after checking the
// password, without spending an argon2id verification per user.
func mintTokens(secret string, tenants []tenantData) error {
	tokens, err := auth.NewTokens([]byte(secret), serverIssuer, serverAudience, tokenTTL, nil)
	if err != nil {
		return err
	}
	for i := range tenants {
		tok, _, err := tokens.Issue(tenantry.User{ID: tenants[i].UserID, Email: tenants[i].Email, AuthVersion: 1})
		if err != nil {
			return err
		}
		tenants[i].Token = tok
	}
	return nil
}
