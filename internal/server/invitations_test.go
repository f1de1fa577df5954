package server_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authztest"
	"github.com/tenantry/tenantry/internal/server"
)

func TestInvitationFlow(t *testing.T) {
	eachStore(t, func(t *testing.T, open func(t *testing.T) tenantry.Store) {
		h := authztest.NewHarness(t, open(t))
		w := authztest.NewWorld(t, h)
		alice := authztest.Bearer(h.Token(w.Alice))
		invitations := "/api/orgs/" + w.OrgA.ID.String() + "/invitations"

		// No registration oracle: an email with an account and one without
		// get answers of the same shape.
		invite := func(email, role string) map[string]any {
			t.Helper()
			res := h.Do("POST", invitations, map[string]any{"email": email, "role": role}, alice)
			if res.Status != 201 || res.Header.Get("Cache-Control") != "no-store" {
				t.Fatalf("invite %s: status %d, Cache-Control %q: %s", email, res.Status, res.Header.Get("Cache-Control"), res.Body)
			}
			var m map[string]any
			res.JSON(t, &m)
			return m
		}
		fresh := invite("Colleague@Example.com", "admin")
		known := invite("eve@example.com", "member")
		keys := func(m map[string]any) []string {
			var k []string
			for key := range m {
				k = append(k, key)
			}
			slices.Sort(k)
			return k
		}
		if got, want := keys(fresh), []string{"created_at", "email", "expires_at", "id", "role", "token"}; !slices.Equal(got, want) {
			t.Errorf("create answer keys %v, want %v", got, want)
		}
		if !slices.Equal(keys(fresh), keys(known)) || fresh["email"] != "colleague@example.com" {
			t.Errorf("answers differ in shape or email not lower-cased: %v / %v", fresh, known)
		}
		created, _ := time.Parse(time.RFC3339, fresh["created_at"].(string))
		expires, _ := time.Parse(time.RFC3339, fresh["expires_at"].(string))
		if d := expires.Sub(created); d < tenantry.DefaultInvitationTTL-time.Minute || d > tenantry.DefaultInvitationTTL+time.Minute {
			t.Errorf("expires %v after creation, want about %v", d, tenantry.DefaultInvitationTTL)
		}

		// The list has no tokens.
		res := h.Do("GET", invitations, nil, alice)
		var list []map[string]any
		res.JSON(t, &list)
		for _, inv := range list {
			if _, has := inv["token"]; has {
				t.Errorf("listed invitation carries a token: %v", inv)
			}
		}
		if len(list) != 3 { // the world's own, and these two
			t.Fatalf("%d pending invitations, want 3: %s", len(list), res.Body)
		}

		// Someone else cannot use the token.
		tok := fresh["token"].(string)
		accept := func(tok string, who authztest.Opt) *authztest.Response {
			t.Helper()
			return h.Do("POST", "/auth/invitations/accept", map[string]any{"token": tok}, who)
		}
		wrongUser := accept(tok, authztest.Bearer(h.Token(w.Eve)))
		unknown := accept("inv_not-a-token", authztest.Bearer(h.Token(w.Eve)))
		if wrongUser.Status != 404 || wrongUser.Problem(t).Detail != "Invitation not found" {
			t.Fatalf("accept by another user: %d %s", wrongUser.Status, wrongUser.Body)
		}
		sameAnswer(t, "wrong user and unknown token", wrongUser, unknown)

		// The colleague registers with the invited email, accepts and sees the org's tasks.
		register(t, h, "colleague@example.com", "password-1")
		col := authztest.Bearer(token(t, h, "colleague@example.com", "password-1"))
		res = accept(tok, col)
		if res.Status != 200 || string(res.Body) != `{"org_id":"`+w.OrgA.ID.String()+`","role":"admin"}`+"\n" {
			t.Fatalf("accept: %d %s", res.Status, res.Body)
		}
		if again := accept(tok, col); again.Status != 200 || string(again.Body) != string(res.Body) {
			t.Errorf("accept twice: %d %s, want the same 200", again.Status, again.Body)
		}
		tasks := h.Do("GET", "/api/orgs/"+w.OrgA.ID.String()+"/tasks", nil, col)
		var ts []map[string]any
		tasks.JSON(t, &ts)
		if tasks.Status != 200 || len(ts) != 1 || ts[0]["id"] != w.OrgATask.ID.String() {
			t.Errorf("the new member's task list: %d %s", tasks.Status, tasks.Body)
		}

		// A revoked invitation is the same 404.
		if res := h.Do("DELETE", invitations+"/"+known["id"].(string), nil, alice); res.Status != 204 {
			t.Fatalf("revoke: %d %s", res.Status, res.Body)
		}
		revoked := accept(known["token"].(string), authztest.Bearer(h.Token(w.Eve)))
		sameAnswer(t, "revoked and unknown token", revoked, unknown)
		if res := h.Do("DELETE", invitations+"/"+known["id"].(string), nil, alice); res.Status != 404 {
			t.Errorf("revoke twice: %d, want 404", res.Status)
		}
	})
}

func TestInvitationExpires(t *testing.T) {
	store := openSQLite(t)
	// The inviting server's clock is eight days behind: its invitation has
	// expired by the time anyone could accept it.
	past := authztest.NewHarness(t, store, func(c *server.Config) {
		c.Now = func() time.Time { return time.Now().Add(-8 * 24 * time.Hour) }
		c.InvitationTTL = 7 * 24 * time.Hour
	})
	h := authztest.NewHarness(t, store)
	w := authztest.NewWorld(t, h)
	res := past.Do("POST", "/api/orgs/"+w.OrgA.ID.String()+"/invitations", map[string]any{"email": "eve@example.com", "role": "member"},
		authztest.Bearer(past.Token(w.Alice)))
	if res.Status != 201 {
		t.Fatalf("invite: %d %s", res.Status, res.Body)
	}
	var inv struct{ Token string }
	if err := json.Unmarshal(res.Body, &inv); err != nil {
		t.Fatal(err)
	}
	got := h.Do("POST", "/auth/invitations/accept", map[string]any{"token": inv.Token}, authztest.Bearer(h.Token(w.Eve)))
	if got.Status != 404 || got.Problem(t).Detail != "Invitation not found" {
		t.Errorf("accept an expired invitation: %d %s", got.Status, got.Body)
	}
}
