package server_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock { c := &fakeClock{}; c.ns.Store(t.UnixNano()); return c }
func (c *fakeClock) Now() time.Time       { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Add(d time.Duration)  { c.ns.Add(int64(d)) }

// TestAPITokenLifecycle creates, uses, lists and revokes a token, and checks
// expiry on a fake clock and the answers to bad requests.
func TestAPITokenLifecycle(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		clock := newFakeClock(time.Now())
		h := authztest.NewHarness(t, open(t), func(c *server.Config) { c.Now = clock.Now })
		w := authztest.NewWorld(t, h)
		alice := authztest.Bearer(h.Token(w.Alice))
		tokens := "/api/" + w.Alice.ID.String() + "/tokens"
		orgTasks := "/api/orgs/" + w.OrgA.ID.String() + "/tasks"

		exp := clock.Now().Add(time.Hour).Truncate(time.Second)
		res := h.Do("POST", tokens, map[string]any{"name": "ci", "tenant_id": w.OrgA.ID, "scope": "read", "expires_at": exp}, alice)
		if res.Status != 201 {
			t.Fatalf("create: %d %s", res.Status, res.Body)
		}
		var made struct {
			ID, Name, Scope, Token string
			TenantID               string     `json:"tenant_id"`
			ExpiresAt              *time.Time `json:"expires_at"`
			LastUsedAt             *time.Time `json:"last_used_at"`
		}
		res.JSON(t, &made)
		if !strings.HasPrefix(made.Token, "tnt_") || len(made.Token) < 4+43 || made.Name != "ci" || made.Scope != "read" ||
			made.TenantID != w.OrgA.ID.String() || made.ExpiresAt == nil || !made.ExpiresAt.Equal(exp) || made.LastUsedAt != nil {
			t.Fatalf("created %+v", made)
		}
		tok := authztest.Bearer(made.Token)
		if res := h.Do("GET", orgTasks, nil, tok); res.Status != 200 {
			t.Errorf("list with the token: %d %s", res.Status, res.Body)
		}

		// Listed without its secret, with its use.
		res = h.Do("GET", tokens, nil, alice)
		if res.Status != 200 || strings.Contains(string(res.Body), made.Token) || strings.Contains(string(res.Body), `"token"`) {
			t.Fatalf("list: %d %s", res.Status, res.Body)
		}
		var list []struct {
			ID         string
			LastUsedAt *time.Time `json:"last_used_at"`
		}
		res.JSON(t, &list)
		// The World's tokens come first; this one is the last.
		if last := list[len(list)-1]; last.ID != made.ID || last.LastUsedAt == nil || !last.LastUsedAt.Equal(clock.Now().Truncate(time.Microsecond)) {
			t.Errorf("listed %+v, want %s used at %v", last, made.ID, clock.Now())
		}

		// Expiry, on the fake clock.
		clock.Add(time.Hour)
		if res := h.Do("GET", orgTasks, nil, tok); res.Status != 401 {
			t.Errorf("at its expiry: %d, want 401", res.Status)
		}
		alice = authztest.Bearer(h.Token(w.Alice)) // hers expired too

		for name, c := range map[string]struct {
			body map[string]any
			want int
		}{
			"a tenant alice is not in": {map[string]any{"name": "x", "tenant_id": w.OrgB.ID, "scope": "read"}, 404},
			"a past expiry":            {map[string]any{"name": "x", "tenant_id": w.OrgA.ID, "scope": "read", "expires_at": clock.Now()}, 422},
			"an unknown scope":         {map[string]any{"name": "x", "tenant_id": w.OrgA.ID, "scope": "admin"}, 422},
			"no name":                  {map[string]any{"name": "", "tenant_id": w.OrgA.ID, "scope": "read"}, 422},
		} {
			if res := h.Do("POST", tokens, c.body, alice); res.Status != c.want {
				t.Errorf("create for %s: %d, want %d: %s", name, res.Status, c.want, res.Body)
			}
		}
		// A token cannot make tokens, even a write token of the personal space.
		if res := h.Do("POST", tokens, map[string]any{"name": "x", "tenant_id": w.Alice.ID, "scope": "write"}, authztest.Bearer(w.PersonalToken)); res.Status != 403 {
			t.Errorf("a token creating a token: %d, want 403", res.Status)
		}

		// Revocation works at once; another user's token id is the same 404 as an unknown one.
		write := authztest.Bearer(w.WriteToken)
		if res := h.Do("GET", orgTasks, nil, write); res.Status != 200 {
			t.Fatalf("write token: %d", res.Status)
		}
		var all []struct{ ID, Scope string }
		h.Do("GET", tokens, nil, alice).JSON(t, &all)
		eve := authztest.Bearer(h.Token(w.Eve))
		for _, tk := range all {
			if res := h.Do("DELETE", "/api/"+w.Eve.ID.String()+"/tokens/"+tk.ID, nil, eve); res.Status != 404 {
				t.Errorf("eve revokes alice's token: %d, want 404", res.Status)
			}
		}
		for _, tk := range all {
			if res := h.Do("DELETE", tokens+"/"+tk.ID, nil, alice); res.Status != 204 {
				t.Errorf("revoke %s: %d", tk.ID, res.Status)
			}
		}
		if res := h.Do("GET", orgTasks, nil, write); res.Status != 401 {
			t.Errorf("revoked write token: %d, want 401", res.Status)
		}
		if res := h.Do("DELETE", tokens+"/not-a-uuid", nil, alice); res.Status != 404 {
			t.Errorf("revoke a malformed id: %d, want 404", res.Status)
		}
	})
}
