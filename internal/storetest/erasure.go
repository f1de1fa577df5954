package storetest

import (
	"testing"
	"time"

	"github.com/tenantry/tenantry"
)

// Erased fills s with a user who has something in every table (personal
// tasks, an organization of their own, a membership with an assigned task in
// someone else's, sessions, API tokens, a two-factor secret and recovery
// codes) and a bystander with data of their own, then deletes the user. The
// stores' tests then look, table by table, for anything left of the user.
func Erased(t *testing.T, s tenantry.Store) (erased, bystander tenantry.User) {
	t.Helper()
	ctx := t.Context()
	u := mustUser(t, s, "erased@example.com")
	other := mustUser(t, s, "bystander@example.com")
	mustTask(t, s, u.ID, u.ID, tenantry.NewTask{Title: "mine"})
	own := mustOrg(t, s, u, "Mine alone")
	mustTask(t, s, u.ID, own.ID, tenantry.NewTask{Title: "in my org"})
	shared := mustOrg(t, s, other, "Shared")
	mustAddMember(t, s, other, shared.ID, u, tenantry.RoleAdmin)
	mustTask(t, s, u.ID, shared.ID, tenantry.NewTask{Title: "assigned to the erased", AssignedUserID: &u.ID})
	mustTask(t, s, other.ID, other.ID, tenantry.NewTask{Title: "the bystander's"})
	now := time.Now()
	noErr(t, "CreateSession", s.CreateSession(ctx, tenantry.Session{IDHash: []byte("erased-session"), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}, nil))
	mustAPIToken(t, s, newAPIToken(u, u.ID, "erased-personal", tenantry.ScopeWrite, nil))
	mustAPIToken(t, s, newAPIToken(u, shared.ID, "erased-shared", tenantry.ScopeRead, nil))
	noErr(t, "SetTOTPSecret", s.SetTOTPSecret(ctx, u.ID, "ERASEDSECRET"))
	noErr(t, "EnableTOTP", s.EnableTOTP(ctx, u.ID, 1, [][]byte{[]byte("erased-code")}))
	noErr(t, "bystander's session", s.CreateSession(ctx, tenantry.Session{IDHash: []byte("bystander-session"), UserID: other.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}, nil))
	noErr(t, "DeleteUser", s.DeleteUser(ctx, u.ID))
	return u, other
}
