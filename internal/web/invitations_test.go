package web_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestInvitationPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	org := "/orgs/" + f.org.String()
	f.alice.get(org + "/members")
	p := f.alice.post(org+"/invitations", url.Values{"email": {"Carol@Example.com"}, "role": {"admin"}})
	mustStatus(t, "invite carol", p, 200)
	if got := p.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q on the page with the token, want no-store", got)
	}
	m := regexp.MustCompile(`<code id="invitation-token">(inv_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no token on the page:\n%s", p.body)
	}
	token := m[1]
	if !strings.Contains(p.body, "carol@example.com") {
		t.Error("the pending list does not show carol@example.com")
	}
	// The token is shown once: the members page does not show it again.
	if p := f.alice.get(org + "/members"); strings.Contains(p.body, token) {
		t.Error("the members page shows the token again")
	}
	mustStatus(t, "invite with no email", f.alice.post(org+"/invitations", url.Values{"email": {""}, "role": {"member"}}), 422)

	carol := f.app.client(t)
	carol.signUp("carol@example.com", "carol-password")
	mustStatus(t, "accept page", carol.get("/invitations/accept"), 200)
	bad := carol.post("/invitations/accept", url.Values{"token": {"inv_nothing"}})
	mustStatus(t, "accept a wrong token", bad, 404)
	if !strings.Contains(bad.body, "Invitation not found") {
		t.Error("no error on a wrong token")
	}
	f.bob.get("/invitations/accept")
	mustStatus(t, "bob uses carol's token", f.bob.post("/invitations/accept", url.Values{"token": {token}}), 404)
	carol.get("/invitations/accept")
	ok := carol.post("/invitations/accept", url.Values{"token": {token}})
	if ok.status != 303 || ok.header.Get("Location") != org+"/tasks" {
		t.Fatalf("carol accepts: %d %s", ok.status, ok.header.Get("Location"))
	}
	if p := carol.get(org + "/tasks"); p.status != 200 || !strings.Contains(p.body, "Invitation accepted") {
		t.Errorf("carol's org tasks: %d", p.status)
	}

	// Revoking from the pending list.
	f.alice.get(org + "/members")
	p = f.alice.post(org+"/invitations", url.Values{"email": {"dave@example.com"}, "role": {"member"}})
	id := regexp.MustCompile(`action="` + org + `/invitations/([0-9a-f-]{36})/revoke"`).FindStringSubmatch(p.body)
	if id == nil {
		t.Fatal("no revoke form for dave's invitation")
	}
	mustStatus(t, "revoke", f.alice.post(org+"/invitations/"+id[1]+"/revoke", nil), 303)
	if p := f.alice.get(org + "/members"); strings.Contains(p.body, "dave@example.com") || !strings.Contains(p.body, "Invitation revoked.") {
		t.Error("dave's invitation is still listed, or no notice")
	}
	mustStatus(t, "revoke again", f.alice.post(org+"/invitations/"+id[1]+"/revoke", nil), 404)
}
