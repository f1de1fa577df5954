package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/tenantry/tenantry/internal/browsertest"
)

// tab is one browser of the test, with what it needs to say which page
// it was on when something failed.
type tab struct {
	*browsertest.Browser
	t    *testing.T
	base string
	axe  map[string]string // page → axe-core's verdict
}

func newTab(t *testing.T, base, name string, axe map[string]string) *tab {
	b := browsertest.New(t)
	b.KeepOnFailure(t, name)
	return &tab{Browser: b, t: t, base: base, axe: axe}
}

// open navigates to path and waits for the page to load.
func (b *tab) open(path string) {
	b.t.Helper()
	b.Do(b.t, "open "+path, chromedp.Navigate(b.base+path))
}

// submit runs an action that sends a form (a click, Enter) and waits for
// the page it leads to.
func (b *tab) submit(what string, trigger chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	b.Do(b.t, what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.WaitEvent(cdppage.LoadEventFired, nil, trigger)(ctx, t)
		return err
	}))
}

// text is the text of the first element matching css.
func (b *tab) text(css string) string {
	b.t.Helper()
	return browsertest.Eval[string](b.t, b.Browser, `(function () { var e = document.querySelector(`+jsString(css)+`); return e ? e.textContent.trim() : ""; })()`)
}

// setValue sets the value of the form field matching css.
func (b *tab) setValue(css, v string) {
	b.t.Helper()
	js[chromedp.Void](b, `document.querySelector(`+jsString(css)+`).value = `+jsString(v))
}

// js evaluates expr, for a value.
func js[T any](b *tab, expr string) T {
	b.t.Helper()
	return browsertest.Eval[T](b.t, b.Browser, expr)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// checkAxe runs axe-core on the page, notes the verdict under name and
// fails on a violation of impact serious or critical.
func (b *tab) checkAxe(name string) {
	b.t.Helper()
	vs, ok := browsertest.Axe(b.t, b.Browser, "")
	if !ok {
		return
	}
	var serious, minor []string
	for _, v := range vs {
		line := fmt.Sprintf("%s (%s, %d elements): %s", v.ID, v.Impact, len(v.Nodes), v.Help)
		if v.Serious() {
			serious = append(serious, line+" at "+v.Nodes[0].Target)
		} else {
			minor = append(minor, line)
		}
	}
	verdict := "no violations"
	if len(vs) > 0 {
		verdict = strings.Join(append(serious, minor...), "; ")
	}
	b.axe[name] = verdict
	if len(serious) > 0 {
		b.t.Errorf("axe on %s: %s", name, strings.Join(serious, "\n  "))
	}
}

// TestWebInBrowser drives the interface as two people would, in two
// browsers: signing up, the life of a task, an organization with a
// member and an assigned task, what the other person cannot see or do,
// a cross-site form, signing out and the back button, and every page
// through axe-core. One of the two works the keyboard only.
func TestWebInBrowser(t *testing.T) {
	a := newApp(t, nil)
	axe := map[string]string{}
	defer func() {
		names := make([]string, 0, len(axe))
		for n := range axe {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			t.Logf("axe %-14s %s", n+":", axe[n])
		}
	}()
	alice := newTab(t, a.URL, "alice", axe)

	// Sign up.
	alice.open("/signin")
	alice.checkAxe("signin")
	alice.submit("to sign-up", chromedp.Click(chromedp.CSS(`a[href="/signup"]`)))
	alice.checkAxe("signup")
	alice.Do(t, "type the account", chromedp.SendKeys(chromedp.CSS("#email"), "alice@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "alice-password"))
	alice.submit("sign up", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	if got := alice.text("h1"); got != "Your tasks" {
		t.Fatalf("after sign-up the page is %q", got)
	}
	if !strings.Contains(alice.text(".empty"), "No tasks yet") {
		t.Errorf("the empty list says %q", alice.text(".empty"))
	}
	alice.checkAxe("tasks (empty)")

	// A task's life: create, complete, edit, delete.
	add := func(b *tab, title string) {
		b.Do(t, "type "+title, chromedp.SendKeys(chromedp.CSS("#title"), title))
		b.submit("add "+title, chromedp.Click(chromedp.CSS(".task-form button[type=submit]")))
		if n := b.text(".notice"); n != "Task added." {
			t.Fatalf("after adding %q the notice is %q; error: %q", title, n, b.text(".error"))
		}
	}
	add(alice, "Buy milk")
	const xss = `<script>alert(1)</script>`
	add(alice, xss)
	titles := js[[]string](alice, `Array.from(document.querySelectorAll(".task-title")).map(function (e) { return e.textContent; })`)
	if strings.Join(titles, "|") != "Buy milk|"+xss {
		t.Errorf("the list shows %q", titles)
	}
	if n := js[int](alice, `document.scripts.length`); n != 1 {
		t.Errorf("the page has %d scripts: a title became markup", n)
	}
	alice.submit("complete Buy milk", chromedp.Click(chromedp.CSS(`button[aria-label="Mark done: Buy milk"]`)))
	if n := alice.text(".notice"); n != "Task marked done." || alice.text(".task.done .task-title") != "Buy milk" {
		t.Errorf("after completing: notice %q, done %q", n, alice.text(".task.done .task-title"))
	}
	alice.submit("filter done", chromedp.Click(chromedp.CSS(`.filters a[href$="status=done"]`)))
	if got := js[int](alice, `document.querySelectorAll(".task").length`); got != 1 {
		t.Errorf("the done filter shows %d tasks", got)
	}
	alice.checkAxe("tasks (done)")
	alice.submit("open Buy milk", chromedp.Click(chromedp.CSS(".task-title")))
	alice.checkAxe("task")
	milkURL := js[string](alice, `location.pathname`)
	alice.setValue("#title", "")
	alice.Do(t, "edit", chromedp.SendKeys(chromedp.CSS("#title"), "Buy oat milk"),
		chromedp.SendKeys(chromedp.CSS("#description"), "Two cartons"))
	alice.submit("save", chromedp.Click(chromedp.CSS("main form button.primary")))
	if got := alice.text(".notice"); got != "Task saved." || !strings.Contains(alice.text(".tasks"), "Buy oat milk") || !strings.Contains(alice.text(".tasks"), "Two cartons") {
		t.Errorf("after saving: %q, list %q", got, alice.text(".tasks"))
	}
	// The list is in creation order: the first Delete is Buy oat milk's.
	alice.submit("delete Buy oat milk", chromedp.Click(chromedp.CSS(`button.danger-link`)))
	if got := alice.text(".tasks"); strings.Contains(got, "Buy oat milk") || !strings.Contains(got, xss) {
		t.Errorf("after deleting the first task the list is %q", got)
	}
	add(alice, "Buy oat milk")
	add(alice, "Call the plumber")

	// Another browser, keyboard only: Tab, typing and Enter.
	bob := newTab(t, a.URL, "bob", axe)
	bob.open("/signup")
	tabTo := func(b *tab, id string) {
		t.Helper()
		for range 12 {
			b.Do(t, "Tab", chromedp.KeyEvent(kb.Tab))
			if js[string](b, `document.activeElement.id`) == id {
				return
			}
		}
		t.Fatalf("Tab never reached #%s", id)
	}
	bob.Do(t, "first Tab", chromedp.KeyEvent(kb.Tab))
	if got := js[string](bob, `document.activeElement.className + " " + document.activeElement.textContent`); got != "skip Skip to content" {
		t.Errorf("the first Tab lands on %q, want the skip link", got)
	}
	if top := js[float64](bob, `document.activeElement.getBoundingClientRect().top`); top < 0 {
		t.Errorf("the focused skip link is off screen (top %v)", top)
	}
	tabTo(bob, "email")
	bob.Do(t, "type the email", chromedp.KeyEvent("bob@example.com"))
	tabTo(bob, "password")
	bob.Do(t, "type the password", chromedp.KeyEvent("bob-password"))
	bob.submit("Enter", chromedp.KeyEvent(kb.Enter))
	if got := bob.text("h1"); got != "Your tasks" {
		t.Fatalf("bob after sign-up by keyboard: %q", got)
	}
	tabTo(bob, "title")
	bob.Do(t, "type a title", chromedp.KeyEvent("Bob's first"))
	bob.submit("Enter", chromedp.KeyEvent(kb.Enter))
	if got := bob.text(".task-title"); got != "Bob's first" {
		t.Errorf("bob's task by keyboard: %q", got)
	}

	// Bob sees none of alice's tasks, and her task's URL is the 404 page,
	// the same as a task that does not exist.
	if got := bob.text("main"); strings.Contains(got, "milk") || strings.Contains(got, "plumber") {
		t.Errorf("bob's list shows alice's tasks: %q", got)
	}
	bob.open(milkURL)
	if got := bob.text("h1"); got != "Page not found" {
		t.Errorf("bob at alice's task: %q", got)
	}
	bob.checkAxe("not found")
	foreign := js[string](bob, `document.documentElement.outerHTML`)
	bob.open("/tasks/01a00000-0000-7000-8000-000000000000")
	if js[string](bob, `document.documentElement.outerHTML`) != foreign {
		t.Error("the 404 page for alice's task differs from the one for a missing task")
	}

	// An organization: create it, add bob, assign him a task.
	alice.open("/tasks")
	alice.Do(t, "name the organization", chromedp.SendKeys(chromedp.CSS("#org-name"), "Acme <Ltd>"))
	alice.submit("create the organization", chromedp.Click(chromedp.CSS(`form[action="/orgs"] button`)))
	if got := alice.text("h1"); got != "Acme <Ltd>" {
		t.Fatalf("after creating the organization: %q (%s)", got, alice.text(".error"))
	}
	orgTasks := js[string](alice, `location.pathname`)
	org := strings.TrimSuffix(orgTasks, "/tasks")
	alice.checkAxe("org tasks (empty)")
	alice.submit("to members", chromedp.Click(chromedp.CSS(`.sub a[href$="/members"]`)))
	alice.Do(t, "add bob", chromedp.SendKeys(chromedp.CSS("#member-email"), "bob@example.com"))
	alice.submit("add member", chromedp.Click(chromedp.CSS(`form[action$="/members"] button`)))
	if got := alice.text(".notice"); got != "Member added." || !strings.Contains(alice.text("table"), "bob@example.com") {
		t.Errorf("after adding bob: %q; %q", got, alice.text(".error"))
	}
	alice.checkAxe("members")
	alice.open(orgTasks)
	alice.Do(t, "a task for bob", chromedp.SendKeys(chromedp.CSS("#title"), "Ship the release"))
	bobValue := js[string](alice, `Array.from(document.querySelectorAll("#assignee option")).find(function (o) { return o.textContent === "bob@example.com"; }).value`)
	alice.setValue("#assignee", bobValue)
	alice.submit("add the org task", chromedp.Click(chromedp.CSS(".task-form button[type=submit]")))
	if got := alice.text(".task .meta"); !strings.Contains(got, "assigned to bob@example.com") {
		t.Errorf("the org task's line: %q", got)
	}
	add(alice, "Write the notes")
	alice.checkAxe("org tasks")

	// Bob, a plain member, sees the task and the members, manages nothing:
	// a forged form from his own page gets 403.
	bob.open(orgTasks)
	if got := bob.text(".tasks"); !strings.Contains(got, "Ship the release") || !strings.Contains(got, "assigned to bob@example.com") {
		t.Errorf("bob's view of the org tasks: %q", got)
	}
	if n := js[int](bob, `document.querySelectorAll('form[action$="/delete-completed"]').length`); n != 0 {
		t.Error("a plain member is offered the bulk delete")
	}
	bob.open(org + "/members")
	bob.checkAxe("members (member)")
	if n := js[int](bob, `document.querySelectorAll('form[action$="/members"], form[action$="/role"], form[action$="/remove"]').length`); n != 0 {
		t.Errorf("a plain member is offered %d member forms", n)
	}
	for _, action := range []string{"/members", "/tasks/delete-completed"} {
		bob.open(org + "/members")
		bob.submit("bob forges "+action, chromedp.Evaluate[chromedp.Void](`(function () {
			var f = document.createElement("form");
			f.method = "post";
			f.action = `+jsString(org+action)+`;
			[["csrf_token", document.querySelector("input[name=csrf_token]").value], ["email", "mallory@example.com"], ["role", "owner"]].forEach(function (kv) {
				var i = document.createElement("input"); i.type = "hidden"; i.name = kv[0]; i.value = kv[1]; f.appendChild(i);
			});
			document.body.appendChild(f);
			f.submit();
		})()`))
		if got := bob.text("h1"); got != "Not allowed" {
			t.Errorf("bob's forged %s: %q", action, got)
		}
	}
	bob.checkAxe("forbidden")

	// A page on another origin posts a form to Tenantry in alice's
	// browser, which sends her cookie (same site: another port). Refused,
	// and nothing is written.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><title>Win a prize</title><form method="post" action="%s/tasks">
			<input type="hidden" name="title" value="planted"><input type="hidden" name="csrf_token" value="guess">
			<button id="go">Claim</button></form>`, a.URL)
	}))
	defer evil.Close()
	alice.Do(t, "open the other site", chromedp.Navigate(evil.URL))
	alice.submit("claim", chromedp.Click(chromedp.CSS("#go")))
	if got := alice.text("h1"); got != "This form cannot be sent" {
		t.Errorf("the cross-site post: %q", got)
	}
	alice.open("/tasks")
	if strings.Contains(alice.text("main"), "planted") {
		t.Error("the cross-site post wrote a task")
	}

	// Screenshots, desktop and a 320 px phone.
	dir := browsertest.ShotDir(t)
	alice.open("/tasks")
	alice.Do(t, "a described task", chromedp.SendKeys(chromedp.CSS("#title"), "Renew the domain"), chromedp.SendKeys(chromedp.CSS("#description"), "Before the 15th; the registrar sends the invoice by email."))
	alice.submit("add", chromedp.Click(chromedp.CSS(".task-form button[type=submit]")))
	alice.open("/account")
	alice.checkAxe("account")
	for _, p := range []struct{ name, path, h1 string }{
		{"tokens", "/account/tokens", "API tokens"},
		{"two-factor", "/account/2fa", "Two-factor sign-in"},
		{"activity", "/audit", "Your audit log"},
		{"accept", "/invitations/accept", "Accept an invitation"},
	} {
		alice.open(p.path)
		if got := alice.text("h1"); got != p.h1 {
			t.Errorf("%s: heading %q, want %q", p.path, got, p.h1)
		}
		alice.checkAxe(p.name)
	}
	alice.open(org + "/audit")
	if got := alice.text("#audit-heading"); got != "Audit log" || !strings.Contains(alice.text("table.audit"), "task.create") {
		t.Errorf("the audit page: heading %q, entries %q", got, alice.text("main"))
	}
	alice.checkAxe("audit")
	alice.open(orgTasks)
	orgTask := js[string](alice, `document.querySelector(".task-title").getAttribute("href")`)
	for _, s := range []struct{ name, path string }{{"tasks", "/tasks"}, {"org-tasks", orgTasks}, {"members", org + "/members"},
		{"org-task", orgTask}, {"account", "/account"}, {"tokens", "/account/tokens"}, {"two-factor", "/account/2fa"}} {
		for _, w := range []int64{1280, 320} {
			alice.Do(t, "viewport", chromedp.EmulateViewport(w, 900))
			alice.open(s.path)
			alice.Screenshot(t, filepath.Join(dir, fmt.Sprintf("%s-%d.png", s.name, w)), chromedp.FullScreenshot(100))
			if sw := js[int](alice, `document.documentElement.scrollWidth`); sw > int(w) {
				t.Errorf("%s at %d px scrolls sideways (%d px wide)", s.name, w, sw)
			}
		}
	}
	alice.Do(t, "viewport", chromedp.EmulateViewport(1280, 900))

	// Sign out; the back button shows nothing private.
	alice.open("/tasks")
	alice.submit("sign out", chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)))
	if got := alice.text(".notice"); got != "You are signed out." {
		t.Errorf("after signing out: %q", got)
	}
	alice.Do(t, "back", chromedp.NavigateBack())
	if got := alice.text("body"); strings.Contains(got, "milk") || strings.Contains(got, "alice@example.com") || !strings.Contains(got, "Sign in") {
		t.Errorf("the back button after signing out shows:\n%s", got)
	}
	alice.checkAxe("signin (out)")

	// What a mistake looks like, on a phone and a desktop.
	for _, w := range []int64{1280, 320} {
		alice.Do(t, "viewport", chromedp.EmulateViewport(w, 900))
		alice.open("/signin")
		alice.Do(t, "a wrong password", chromedp.SendKeys(chromedp.CSS("#email"), "alice@example.com"), chromedp.SendKeys(chromedp.CSS("#password"), "not-her-password"))
		alice.submit("sign in", chromedp.Click(chromedp.CSS("main button[type=submit]")))
		if got := alice.text("#password-error"); got != "Incorrect email or password." {
			t.Errorf("a wrong password says %q", got)
		}
		if got := js[string](alice, `document.querySelector("#email").value`); got != "alice@example.com" {
			t.Errorf("the email field kept %q", got)
		}
		alice.Screenshot(t, filepath.Join(dir, fmt.Sprintf("signin-error-%d.png", w)), chromedp.FullScreenshot(100))
	}
	alice.checkAxe("signin (error)")
	bob.Do(t, "viewport", chromedp.EmulateViewport(320, 900))
	bob.open(milkURL)
	bob.Screenshot(t, filepath.Join(dir, "not-found-320.png"), chromedp.FullScreenshot(100))
}
