package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
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
	desc := "seeded by the load benchmark"
	for i := from; i < to; i++ {
		g.Go(func() error {
			u, err := store.CreateUser(ctx, benchEmail(i), hash)
			if err != nil {
				return fmt.Errorf("seeding user %d: %w", i, err)
			}
			ids := make([]uuid.UUID, 0, tasks)
			err = store.Update(ctx, u.ID, u.ID, func(tx tenantry.TenantTx) error {
				for j := range tasks {
					t, err := tx.CreateTask(ctx, tenantry.NewTask{
						Title:       fmt.Sprintf("Task %d of tenant %d", j, i),
						Description: &desc,
						Completed:   j%3 == 0,
					})
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
				fmt.Fprintf(progress, "  seeded %d/%d tenants (%.0f tasks/s)\n", n, to-from,
					float64(n)*float64(tasks)/time.Since(start).Seconds())
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
