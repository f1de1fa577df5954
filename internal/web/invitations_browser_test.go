package web_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/browsertest"
)

// TestInvitationsInBrowser: an owner invites someone by keyboard alone,
// the token is shown once and announced, the invitee signs up and joins,
// another invitation is revoked, and the organization's audit log and the
// owner's personal one show it all, filtered and paged. Every page passes
// axe-core without a single violation, at 1280 and 320 px.
func TestInvitationsInBrowser(t *testing.T) {
	a := newApp(t, nil)
	axe := map[string]string{}
	defer func() {
		names := make([]string, 0, len(axe))
		for n := range axe {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t.Logf("axe %-18s %s", n+":", axe[n])
		}
	}()
	dir := browsertest.ShotDir(t)
	// check runs axe-core and wants no violation at all, then screenshots
	// the page at both widths and wants it not to scroll sideways.
	check := func(b *tab, name string) {
		t.Helper()
		b.checkAxe(name)
		if v, ok := axe[name]; ok && v != "no violations" {
			t.Errorf("axe on %s: %s", name, v)
		}
		for _, w := range []int64{1280, 320} {
			b.Do(t, "viewport", chromedp.EmulateViewport(w, 900))
			b.Screenshot(t, filepath.Join(dir, fmt.Sprintf("invite-%s-%d.png", strings.ReplaceAll(name, " ", "-"), w)), chromedp.FullScreenshot(100))
			if sw := js[int](b, `document.documentElement.scrollWidth`); sw > int(w) {
				t.Errorf("%s at %d px scrolls sideways (%d px wide)", name, w, sw)
			}
		}
		b.Do(t, "viewport", chromedp.EmulateViewport(1280, 900))
	}
	focused := func(b *tab) string {
		return js[string](b, `(function (e) { return e.id || (e.tagName.toLowerCase() + ":" + e.textContent.trim().replace(/\s+/g, " ")); })(document.activeElement)`)
	}

	// Bob has an account; alice signs up and makes an organization.
	a.client(t).signUp("bob@example.com", "bob-password")
	alice := newTab(t, a.URL, "alice", axe)
	alice.open("/signup")
	alice.Do(t, "type the account", chromedp.SendKeys(chromedp.CSS("#email"), "alice@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "alice-password"))
	alice.submit("sign up", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	alice.Do(t, "name the organization", chromedp.SendKeys(chromedp.CSS("#org-name"), "Northwind Traders"))
	alice.submit("create the organization", chromedp.Click(chromedp.CSS(`form[action="/orgs"] button`)))
	org := strings.TrimSuffix(js[string](alice, `location.pathname`), "/tasks")
	alice.submit("to members", chromedp.Click(chromedp.CSS(`.sub a[href$="/members"]`)))
	check(alice, "members")

	// Keyboard only: Tab from the top of the page to the invitation form,
	// through the add-member form first, in the order the page reads.
	var order []string
	for range 30 {
		alice.Do(t, "Tab", chromedp.KeyEvent(kb.Tab))
		order = append(order, focused(alice))
		if order[len(order)-1] == "invite-email" {
			break
		}
	}
	at := func(id string) int {
		for i, o := range order {
			if o == id {
				return i
			}
		}
		return -1
	}
	if order[0] != "a:Skip to content" || at("member-email") < 0 || at("member-role") != at("member-email")+1 ||
		order[at("member-role")+1] != "button:Add member" || at("invite-email") != at("member-role")+2 {
		t.Fatalf("Tab order from the top: %q", order)
	}
	alice.Do(t, "type the invitee", chromedp.KeyEvent("carol@example.com"))
	alice.Do(t, "Tab to the role", chromedp.KeyEvent(kb.Tab))
	if got := focused(alice); got != "invite-role" {
		t.Fatalf("after the email, Tab lands on %q", got)
	}
	alice.Do(t, "choose admin", chromedp.KeyEvent(kb.ArrowDown))
	if got := js[string](alice, `document.activeElement.value`); got != "admin" {
		t.Fatalf("ArrowDown on the role chose %q, want admin", got)
	}
	alice.Do(t, "Tab to Invite", chromedp.KeyEvent(kb.Tab))
	if got := focused(alice); got != "button:Invite" {
		t.Fatalf("after the role, Tab lands on %q", got)
	}
	alice.submit("Enter on Invite", chromedp.KeyEvent(kb.Enter))

	// The token: shown once, in a status region that takes the focus, so
	// a screen reader reads it out at once; the next Tab goes on from it.
	// Chromium applies autofocus once the page has rendered, which may be
	// after the load event the submit waited for.
	alice.Do(t, "wait for the notice to take the focus", chromedp.Poll[chromedp.Void](
		`document.activeElement !== null && document.activeElement.id === "invitation-created"`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if got := focused(alice); got != "invitation-created" {
		t.Errorf("after inviting, the focus is on %q, want the notice with the token", got)
	}
	if got := js[string](alice, `document.activeElement.getAttribute("role")`); got != "status" {
		t.Errorf("the token's notice has role %q, want status", got)
	}
	token := alice.text("#invitation-token")
	if !regexp.MustCompile(`^inv_[A-Za-z0-9_-]{40,}$`).MatchString(token) || !strings.Contains(alice.text("#invitation-created"), "carol@example.com") {
		t.Fatalf("the notice shows %q, token %q", alice.text("#invitation-created"), token)
	}
	if got := alice.text("table.invitations"); !strings.Contains(got, "carol@example.com") || !strings.Contains(got, "admin") {
		t.Errorf("the pending invitations: %q", got)
	}
	check(alice, "members (token)")
	alice.Do(t, "Tab after the notice", chromedp.KeyEvent(kb.Tab))
	if got := focused(alice); got != "a:Accept an invitation" {
		t.Errorf("the Tab after the notice lands on %q, want its link", got)
	}
	alice.open(org + "/members")
	if strings.Contains(js[string](alice, `document.body.innerHTML`), token) {
		t.Error("the members page shows the token again")
	}

	// Bob is added, dave invited and then revoked.
	alice.Do(t, "add bob", chromedp.SendKeys(chromedp.CSS("#member-email"), "bob@example.com"))
	alice.submit("add member", chromedp.Click(chromedp.CSS(`form[action$="/members"] button`)))
	if got := alice.text(".notice"); got != "Member added." {
		t.Errorf("after adding bob: %q; %q", got, alice.text(".error"))
	}
	alice.Do(t, "invite dave", chromedp.SendKeys(chromedp.CSS("#invite-email"), "dave@example.com"))
	alice.submit("invite dave", chromedp.Click(chromedp.CSS(`form[action$="/invitations"] button`)))
	alice.submit("revoke dave", chromedp.Evaluate[chromedp.Void](`Array.from(document.querySelectorAll("table.invitations button")).find(function (b) {
		return b.textContent.indexOf("dave@example.com") >= 0;
	}).click()`))
	if got := alice.text(".notice"); got != "Invitation revoked." {
		t.Errorf("after revoking: %q", got)
	}
	if got := alice.text("table.invitations"); !strings.Contains(got, "carol@example.com") || strings.Contains(got, "dave@example.com") {
		t.Fatalf("after revoking dave the pending list is %q", got)
	}

	// Carol signs up with the invited email, tries a wrong token, then hers.
	carol := newTab(t, a.URL, "carol", axe)
	carol.open("/signup")
	carol.Do(t, "type the account", chromedp.SendKeys(chromedp.CSS("#email"), "carol@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "carol-password"))
	carol.submit("sign up", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	carol.open("/invitations/accept")
	check(carol, "accept")
	carol.Do(t, "a wrong token", chromedp.SendKeys(chromedp.CSS("#invitation-token-input"), "inv_not-a-token"))
	carol.submit("join", chromedp.KeyEvent(kb.Enter))
	if got := carol.text("#token-error"); !strings.HasPrefix(got, "Invitation not found") {
		t.Errorf("a wrong token says %q", got)
	}
	carol.Do(t, "wait for the field to take the focus", chromedp.Poll[chromedp.Void](
		`document.activeElement !== null && document.activeElement.id === "invitation-token-input"`,
		chromedp.WithPollingTimeout(5*time.Second)))
	if got := focused(carol); got != "invitation-token-input" {
		t.Errorf("after a wrong token the focus is on %q, want the field, which the error describes", got)
	}
	check(carol, "accept (error)")
	carol.setValue("#invitation-token-input", "")
	carol.Do(t, "her token", chromedp.SendKeys(chromedp.CSS("#invitation-token-input"), token))
	carol.submit("join", chromedp.KeyEvent(kb.Enter))
	if got, notice := carol.text("h1"), carol.text(".notice"); got != "Northwind Traders" || notice != "Invitation accepted: you are a member now." {
		t.Fatalf("after accepting carol sees %q, notice %q", got, notice)
	}

	// Carol is an admin on the members page; nothing is pending.
	alice.open(org + "/members")
	if got := alice.text("table.members"); !strings.Contains(got, "carol@example.com") {
		t.Fatalf("carol is not on the members page: %q", got)
	}
	if role := js[string](alice, `(function () { var s = Array.from(document.querySelectorAll("table.members select")).find(function (s) { return s.closest("tr").textContent.indexOf("carol@example.com") >= 0; }); return s ? s.value : ""; })()`); role != "admin" {
		t.Errorf("carol's role is %q, want admin", role)
	}
	if got := alice.text("main"); !strings.Contains(got, "No pending invitations.") {
		t.Errorf("an invitation is still pending after carol accepted")
	}

	// The organization's audit log, from the members page.
	alice.submit("to the audit log", chromedp.Click(chromedp.CSS(`.sub a[href$="/audit"]`)))
	rows := func(b *tab) [][]string {
		return js[[][]string](b, `Array.from(document.querySelectorAll("table.audit tbody tr")).map(function (r) {
			return Array.from(r.cells).map(function (c) { return c.textContent.trim().replace(/\s+/g, " "); });
		})`)
	}
	byAction := map[string][][]string{}
	for _, r := range rows(alice) {
		byAction[r[2]] = append(byAction[r[2]], r)
	}
	for action, n := range map[string]int{"invitation.create": 2, "invitation.accept": 1, "invitation.revoke": 1, "member.add": 1} {
		if len(byAction[action]) != n {
			t.Errorf("%d %s entries, want %d: %q", len(byAction[action]), action, n, rows(alice))
		}
	}
	if r := byAction["invitation.accept"]; len(r) == 1 && !strings.HasPrefix(r[0][1], "carol@example.com") {
		t.Errorf("invitation.accept is by %q, want carol@example.com", r[0][1])
	}
	if r := byAction["member.add"]; len(r) == 1 && (!strings.HasPrefix(r[0][1], "alice@example.com") || !strings.Contains(r[0][3], "bob@example.com")) {
		t.Errorf("member.add row %q, want alice adding bob (by email)", r[0])
	}
	for _, r := range rows(alice) {
		if regexp.MustCompile(`^[0-9a-f]{8}-`).MatchString(r[1]) {
			t.Errorf("an actor is shown as a raw id: %q", r)
		}
	}
	check(alice, "audit")

	// Filtered by action, with the keyboard: the select, then Filter.
	alice.Do(t, "focus the filter", chromedp.Focus(chromedp.CSS("#audit-action")))
	alice.setValue("#audit-action", "invitation.create")
	alice.Do(t, "Tab to Filter", chromedp.KeyEvent(kb.Tab))
	alice.submit("filter", chromedp.KeyEvent(kb.Enter))
	got := rows(alice)
	if len(got) != 2 || got[0][2] != "invitation.create" || got[1][2] != "invitation.create" || !strings.Contains(got[1][3], "carol@example.com") {
		t.Errorf("filtered by invitation.create: %q", got)
	}
	if v := js[string](alice, `document.querySelector("#audit-action").value`); v != "invitation.create" {
		t.Errorf("the filter shows %q after filtering", v)
	}
	check(alice, "audit (filtered)")

	// Paging: 60 more entries of one action make two pages of it.
	ctx := context.Background()
	aliceUser, err := a.store.UserByEmail(ctx, "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := uuid.Parse(strings.TrimPrefix(org, "/orgs/"))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.store.Update(ctx, aliceUser.ID, tenant, func(tx tenantry.TenantAccess) error {
		for i := range 60 {
			e := tenantry.AuditEntry{Action: tenantry.AuditTaskUpdate, TargetType: "task", TargetID: fmt.Sprintf("0191d2c4-5e6f-7a8b-9c0d-%012d", i),
				IP: "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", RequestID: strings.Repeat("r", 64), Details: map[string]any{"title": strings.Repeat("long-title-", 18), "fields": []string{"title", "description", "assigned_user_id"}}}
			if err := tx.Audit(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	alice.open(org + "/audit?action=task.update")
	if n := len(rows(alice)); n != 50 {
		t.Errorf("the first page of task.update has %d rows, want 50", n)
	}
	check(alice, "audit (long)")
	alice.submit("next page", chromedp.Click(chromedp.CSS(`a[rel=next]`)))
	if n := len(rows(alice)); n != 10 || js[int](alice, `document.querySelectorAll("a[rel=next]").length`) != 0 {
		t.Errorf("the second page has %d rows, want 10 and no next link", n)
	}
	if got := alice.text(".pager"); got != "First page" {
		t.Errorf("the second page's pager: %q", got)
	}
	check(alice, "audit (page 2)")
	alice.submit("first page", chromedp.Click(chromedp.CSS(`.pager a`)))
	if n := len(rows(alice)); n != 50 {
		t.Errorf("back on the first page: %d rows", n)
	}

	// The personal audit log, from the bar.
	carol.open("/tasks")
	carol.Do(t, "a personal task", chromedp.SendKeys(chromedp.CSS("#title"), "Read the onboarding notes"))
	carol.submit("add", chromedp.Click(chromedp.CSS(".task-form button[type=submit]")))
	carol.submit("to my audit log", chromedp.Click(chromedp.CSS(`nav.who a[href="/audit"]`)))
	if got := carol.text("h1"); got != "Your audit log" {
		t.Fatalf("the personal audit page: %q", got)
	}
	var mine []string
	for _, r := range rows(carol) {
		if r[2] == "task.create" {
			mine = append(mine, r[3])
		}
		if !strings.HasPrefix(r[1], "carol@example.com") || strings.HasPrefix(r[2], "invitation.") {
			t.Errorf("carol's personal log has %q", r)
		}
	}
	if len(mine) != 1 || !strings.Contains(mine[0], "Read the onboarding notes") {
		t.Errorf("carol's personal log's task.create entries: %q", mine)
	}
	check(carol, "personal audit")
	alice.open("/audit")
	got = rows(alice)
	for _, r := range got {
		if strings.HasPrefix(r[2], "invitation.") || strings.HasPrefix(r[2], "member.") || r[2] == "task.update" {
			t.Errorf("alice's personal log has the organization's %q", r)
		}
	}
	if len(got) == 0 && alice.text(".empty") != "Nothing recorded yet." {
		t.Errorf("alice's empty personal log says %q", alice.text(".empty"))
	}
	check(alice, "personal audit (alice)")
}
