package client_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/client"
)

// answer is what every generated response has.
type answer interface {
	StatusCode() int
	GetBody() []byte
}

// must fails the test unless res came back with status want.
func must(t *testing.T, what string, res answer, err error, want int) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got := res.StatusCode(); got != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, got, want, res.GetBody())
	}
}

// problem fails the test unless p is a parsed problem with status and
// detail as given.
func problem(t *testing.T, what string, p *client.ErrorModel, status int, detail string) {
	t.Helper()
	if p == nil {
		t.Fatalf("%s: no typed problem body", what)
	}
	if p.Detail == nil || *p.Detail != detail {
		t.Errorf("%s: detail %v, want %q", what, p.Detail, detail)
	}
	if p.Status == nil || *p.Status != int64(status) {
		t.Errorf("%s: status field %v, want %d", what, p.Status, status)
	}
}

func ptr[T any](v T) *T { return &v }

// linkNext is the target of a Link header's rel="next".
var linkNext = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// nextPage reads the query of a Link header's next page into the list
// parameters, or returns false when there is no next page.
func nextPage(t *testing.T, headers *client.ListTasksResponse200Headers, p *client.ListTasksParams) bool {
	t.Helper()
	if headers == nil || headers.Link == nil || *headers.Link == "" {
		return false
	}
	m := linkNext.FindStringSubmatch(*headers.Link)
	if m == nil {
		t.Fatalf("Link %q is not <...>; rel=\"next\"", *headers.Link)
	}
	u, err := url.Parse(m[1])
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	after, err := uuid.Parse(q.Get("after"))
	if err != nil {
		t.Fatalf("Link %q: after: %v", *headers.Link, err)
	}
	next := client.ListTasksParams{After: &after}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatalf("Link %q: limit: %v", *headers.Link, err)
		}
		next.Limit = &n
	}
	if v := q.Get("completed"); v != "" {
		next.Completed = ptr(client.ListTasksParamsCompleted(v))
	}
	*p = next
	return true
}

// TestLifecycle drives the whole task life cycle through the generated
// client alone: if the document were wrong, a call would not compile, a
// typed body would not decode, or a status would have no field.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := mustServer(t)
	anon := mustClient(t, srv)

	health, err := anon.HealthzWithResponse(ctx)
	must(t, "healthz", health, err, http.StatusOK)
	if got, want := health.JSON200.Status, client.Ok; got != want {
		t.Errorf("healthz status %q, want %q", got, want)
	}

	// Accounts.
	register := func(email string) client.UserOut {
		t.Helper()
		res, err := anon.RegisterWithResponse(ctx, client.RegisterIn{Email: openapi_types.Email(email), Password: "password-" + email})
		must(t, "register "+email, res, err, http.StatusCreated)
		checkTime(t, "user created_at", res.JSON201.CreatedAt)
		return *res.JSON201
	}
	alice, bob := register("Alice@example.com"), register("bob@example.com")
	if got, want := alice.Email, "alice@example.com"; got != want {
		t.Errorf("registered email %q, want %q", got, want)
	}
	dup, err := anon.RegisterWithResponse(ctx, client.RegisterIn{Email: openapi_types.Email("alice@example.com"), Password: "password-2"})
	must(t, "register again", dup, err, http.StatusConflict)
	problem(t, "register again", dup.ApplicationproblemJSON409, http.StatusConflict, tenantry.ErrEmailTaken.Message)
	short, err := anon.RegisterWithResponse(ctx, client.RegisterIn{Email: openapi_types.Email("carol@example.com"), Password: "short"})
	must(t, "register short password", short, err, http.StatusUnprocessableEntity)
	if short.ApplicationproblemJSON422 == nil {
		t.Error("register short password: no typed problem body")
	}

	token := func(email, password string) *client.TokenResponse {
		t.Helper()
		res, err := anon.TokenWithFormdataBodyWithResponse(ctx, client.TokenForm{Username: email, Password: password})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	wrong, unknown := token("alice@example.com", "wrong-password"), token("nobody@example.com", "wrong-password")
	must(t, "token with a wrong password", wrong, nil, http.StatusUnauthorized)
	must(t, "token for an unknown email", unknown, nil, http.StatusUnauthorized)
	if wrong.ApplicationproblemJSON401 == nil || unknown.ApplicationproblemJSON401 == nil {
		t.Fatal("token: no typed 401 body")
	}
	if got, want := *unknown.ApplicationproblemJSON401.Detail, *wrong.ApplicationproblemJSON401.Detail; got != want {
		t.Errorf("unknown email %q, wrong password %q: want the same answer", got, want)
	}
	aliceTok := token("alice@example.com", "password-Alice@example.com")
	must(t, "token alice", aliceTok, nil, http.StatusOK)
	if got, want := aliceTok.JSON200.TokenType, client.Bearer; got != want {
		t.Errorf("token_type %q, want %q", got, want)
	}
	if aliceTok.JSON200.ExpiresIn <= 0 || aliceTok.JSON200.AccessToken == "" {
		t.Errorf("token %+v: want an access token that expires later", aliceTok.JSON200)
	}
	bobTok := token("bob@example.com", "password-bob@example.com")
	must(t, "token bob", bobTok, nil, http.StatusOK)
	a := mustClient(t, srv, bearer(aliceTok.JSON200.AccessToken))
	b := mustClient(t, srv, bearer(bobTok.JSON200.AccessToken))

	me, err := a.MeWithResponse(ctx)
	must(t, "me", me, err, http.StatusOK)
	if got, want := me.JSON200.Id, alice.Id; got != want {
		t.Errorf("me id %v, want %v", got, want)
	}
	if got, want := me.JSON200.CreatedAt, alice.CreatedAt; !got.Equal(want) {
		t.Errorf("me created_at %v, want %v", got, want)
	}
	noAuth, err := anon.MeWithResponse(ctx)
	must(t, "me without credentials", noAuth, err, http.StatusUnauthorized)
	if noAuth.ApplicationproblemJSON401 == nil {
		t.Error("me without credentials: no typed problem body")
	}

	// Personal tasks.
	aliceID := alice.Id.String()
	var created []client.TaskOut
	for i, title := range []string{"one", "two", "three", "four", "five"} {
		in := client.TaskIn{Title: title, Completed: ptr(i%2 == 1)}
		if i == 0 {
			in.Description = nullable.NewNullableWithValue("first")
		}
		res, err := a.CreateTaskWithResponse(ctx, aliceID, nil, in)
		must(t, "create task "+title, res, err, http.StatusCreated)
		task := *res.JSON201
		checkTime(t, "task created_at", task.CreatedAt)
		checkTime(t, "task updated_at", task.UpdatedAt)
		if task.Title != title || task.UserId != alice.Id || task.Completed != (i%2 == 1) {
			t.Errorf("created %+v, want title %q, user %v, completed %v", task, title, alice.Id, i%2 == 1)
		}
		created = append(created, task)
	}
	if got, want := created[0].Description.MustGet(), "first"; got != want {
		t.Errorf("description %q, want %q", got, want)
	}
	if !created[1].Description.IsNull() {
		t.Errorf("task without a description: description %v, want null", created[1].Description)
	}

	// Page through all five, two at a time, by the Link header.
	params := client.ListTasksParams{Limit: ptr[int64](2)}
	var listed []client.TaskOut
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging does not end")
		}
		res, err := a.ListTasksWithResponse(ctx, aliceID, &params)
		must(t, "list tasks", res, err, http.StatusOK)
		if got := len(*res.JSON200); got > 2 {
			t.Fatalf("page of %d, limit 2", got)
		}
		listed = append(listed, *res.JSON200...)
		if !nextPage(t, res.Headers200, &params) {
			break
		}
		if params.Limit == nil || *params.Limit != 2 {
			t.Fatalf("next page's limit %v, want 2 kept", params.Limit)
		}
	}
	if got, want := len(listed), len(created); got != want {
		t.Fatalf("listed %d tasks over pages, want %d", got, want)
	}
	for i := range listed {
		if got, want := listed[i].Id, created[i].Id; got != want {
			t.Errorf("listed[%d] %v, want %v (creation order)", i, got, want)
		}
	}
	done, err := a.ListTasksWithResponse(ctx, aliceID, &client.ListTasksParams{Completed: ptr(client.ListTasksParamsCompletedTrue)})
	must(t, "list completed", done, err, http.StatusOK)
	if got, want := len(*done.JSON200), 2; got != want {
		t.Errorf("%d completed tasks, want %d", got, want)
	}
	for _, task := range *done.JSON200 {
		if !task.Completed {
			t.Errorf("completed=true listed %+v", task)
		}
	}
	// The filter survives paging: the Link header carries it.
	openParams := client.ListTasksParams{Limit: ptr[int64](1), Completed: ptr(client.ListTasksParamsCompletedFalse)}
	var openIDs []uuid.UUID
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("paging open tasks does not end")
		}
		res, err := a.ListTasksWithResponse(ctx, aliceID, &openParams)
		must(t, "list open tasks", res, err, http.StatusOK)
		for _, task := range *res.JSON200 {
			openIDs = append(openIDs, task.Id)
		}
		if !nextPage(t, res.Headers200, &openParams) {
			break
		}
	}
	if got, want := openIDs, []uuid.UUID{created[0].Id, created[2].Id, created[4].Id}; !slices.Equal(got, want) {
		t.Errorf("open tasks over pages %v, want %v", got, want)
	}
	badLimit, err := a.ListTasksWithResponse(ctx, aliceID, &client.ListTasksParams{Limit: ptr[int64](1000)})
	must(t, "list with limit 1000", badLimit, err, http.StatusUnprocessableEntity)
	if badLimit.ApplicationproblemJSON422 == nil {
		t.Error("list with limit 1000: no typed problem body")
	}

	first := created[0]
	got, err := a.GetTaskWithResponse(ctx, aliceID, first.Id.String(), nil)
	must(t, "get task", got, err, http.StatusOK)
	if got.JSON200.Id != first.Id || got.JSON200.Title != first.Title || !got.JSON200.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("got %+v, want %+v", *got.JSON200, first)
	}
	denied, err := b.GetTaskWithResponse(ctx, aliceID, first.Id.String(), nil)
	must(t, "bob gets alice's path", denied, err, http.StatusForbidden)
	problem(t, "bob gets alice's path", denied.ApplicationproblemJSON403, http.StatusForbidden, tenantry.MsgAccessDenied)
	foreign, err := b.GetTaskWithResponse(ctx, bob.Id.String(), first.Id.String(), nil)
	must(t, "bob gets alice's task on his path", foreign, err, http.StatusNotFound)
	problem(t, "bob gets alice's task on his path", foreign.ApplicationproblemJSON404, http.StatusNotFound, tenantry.MsgTaskNotFound)

	put, err := a.ReplaceTaskWithResponse(ctx, aliceID, first.Id.String(), nil, client.TaskIn{Title: "one, replaced"})
	must(t, "replace task", put, err, http.StatusOK)
	if got, want := put.JSON200.Title, "one, replaced"; got != want {
		t.Errorf("replaced title %q, want %q", got, want)
	}
	if !put.JSON200.Description.IsNull() {
		t.Errorf("replace without a description kept %v", put.JSON200.Description)
	}
	if put.JSON200.UpdatedAt.Before(put.JSON200.CreatedAt) {
		t.Errorf("updated_at %v before created_at %v", put.JSON200.UpdatedAt, put.JSON200.CreatedAt)
	}
	patch, err := a.PatchTaskWithResponse(ctx, aliceID, first.Id.String(), nil,
		client.TaskPatchIn{Completed: ptr(true), Description: nullable.NewNullableWithValue("patched")})
	must(t, "patch task", patch, err, http.StatusOK)
	if !patch.JSON200.Completed || patch.JSON200.Description.MustGet() != "patched" || patch.JSON200.Title != "one, replaced" {
		t.Errorf("patched %+v: want completed, description \"patched\", title kept", *patch.JSON200)
	}
	clear, err := a.PatchTaskWithResponse(ctx, aliceID, first.Id.String(), nil, client.TaskPatchIn{Description: nullable.NewNullNullable[string]()})
	must(t, "patch description null", clear, err, http.StatusOK)
	if !clear.JSON200.Description.IsNull() || !clear.JSON200.Completed {
		t.Errorf("after null description: %+v, want description null and completed kept", *clear.JSON200)
	}
	missing, err := a.PatchTaskWithResponse(ctx, aliceID, uuid.New().String(), nil, client.TaskPatchIn{Completed: ptr(false)})
	must(t, "patch a missing task", missing, err, http.StatusNotFound)
	problem(t, "patch a missing task", missing.ApplicationproblemJSON404, http.StatusNotFound, tenantry.MsgTaskNotFound)

	del, err := a.DeleteTaskWithResponse(ctx, aliceID, created[4].Id.String(), nil)
	must(t, "delete task", del, err, http.StatusNoContent)
	gone, err := a.GetTaskWithResponse(ctx, aliceID, created[4].Id.String(), nil)
	must(t, "get deleted task", gone, err, http.StatusNotFound)
	problem(t, "get deleted task", gone.ApplicationproblemJSON404, http.StatusNotFound, tenantry.MsgTaskNotFound)

	// Left: one (completed now), two (completed), three, four (completed).
	bulk, err := a.DeleteTasksWithResponse(ctx, aliceID, &client.DeleteTasksParams{Completed: ptr(client.DeleteTasksParamsCompletedTrue)})
	must(t, "delete completed tasks", bulk, err, http.StatusOK)
	if got, want := bulk.JSON200.DeletedCount, int64(3); got != want {
		t.Errorf("deleted %d completed tasks, want %d", got, want)
	}
	bulk, err = a.DeleteTasksWithResponse(ctx, aliceID, nil)
	must(t, "delete all tasks", bulk, err, http.StatusOK)
	if got, want := bulk.JSON200.DeletedCount, int64(1); got != want {
		t.Errorf("deleted %d tasks, want %d", got, want)
	}
	empty, err := a.ListTasksWithResponse(ctx, aliceID, nil)
	must(t, "list after bulk delete", empty, err, http.StatusOK)
	if got := len(*empty.JSON200); got != 0 {
		t.Errorf("%d tasks left after deleting all", got)
	}

	// Organizations.
	orgKey := &client.CreateOrgParams{IdempotencyKey: ptr("create-acme")}
	org, err := a.CreateOrgWithResponse(ctx, orgKey, client.OrgIn{Name: "Acme"})
	must(t, "create org", org, err, http.StatusCreated)
	retried, err := a.CreateOrgWithResponse(ctx, orgKey, client.OrgIn{Name: "Acme"})
	must(t, "create org again with its key", retried, err, http.StatusCreated)
	if retried.JSON201.Id != org.JSON201.Id {
		t.Errorf("a retry with the key created org %v, want the first, %v", retried.JSON201.Id, org.JSON201.Id)
	}
	if got, want := org.JSON201.Role, client.OrgOutRoleOwner; got != want {
		t.Errorf("creator's role %q, want %q", got, want)
	}
	checkTime(t, "org created_at", org.JSON201.CreatedAt)
	orgID := org.JSON201.Id.String()
	orgs, err := a.ListOrgsWithResponse(ctx, nil)
	must(t, "list orgs", orgs, err, http.StatusOK)
	if got := *orgs.JSON200; len(got) != 1 || got[0].Id != org.JSON201.Id || got[0].Name != "Acme" {
		t.Errorf("orgs %+v, want only Acme", got)
	}
	outsider, err := b.GetOrgWithResponse(ctx, orgID)
	must(t, "non-member gets org", outsider, err, http.StatusNotFound)
	problem(t, "non-member gets org", outsider.ApplicationproblemJSON404, http.StatusNotFound, tenantry.MsgOrgNotFound)

	added, err := a.AddMemberWithResponse(ctx, orgID, client.MemberIn{Email: ptr("bob@example.com"), Role: client.MemberInRoleMember})
	must(t, "add member", added, err, http.StatusCreated)
	if added.JSON201.UserId != bob.Id || added.JSON201.Role != client.MemberOutRoleMember {
		t.Errorf("added %+v, want bob as member", *added.JSON201)
	}
	checkTime(t, "member created_at", added.JSON201.CreatedAt)
	again, err := a.AddMemberWithResponse(ctx, orgID, client.MemberIn{UserId: &bob.Id, Role: client.MemberInRoleMember})
	must(t, "add member again", again, err, http.StatusConflict)
	problem(t, "add member again", again.ApplicationproblemJSON409, http.StatusConflict, tenantry.ErrAlreadyMember.Message)
	bobOrg, err := b.GetOrgWithResponse(ctx, orgID)
	must(t, "member gets org", bobOrg, err, http.StatusOK)
	if got, want := bobOrg.JSON200.Role, client.OrgOutRoleMember; got != want {
		t.Errorf("bob's role %q, want %q", got, want)
	}

	notMember, err := a.CreateOrgTaskWithResponse(ctx, orgID, nil, client.OrgTaskIn{Title: "x", AssignedUserId: nullable.NewNullableWithValue(uuid.New())})
	must(t, "assign to a non-member", notMember, err, http.StatusUnprocessableEntity)
	problem(t, "assign to a non-member", notMember.ApplicationproblemJSON422, http.StatusUnprocessableEntity, tenantry.ErrAssigneeNotMember.Message)
	ot, err := a.CreateOrgTaskWithResponse(ctx, orgID, nil, client.OrgTaskIn{Title: "ship it", AssignedUserId: nullable.NewNullableWithValue(bob.Id)})
	must(t, "create org task", ot, err, http.StatusCreated)
	task := *ot.JSON201
	if task.OrgId != org.JSON201.Id || task.AssignedUserId.MustGet() != bob.Id || !task.Description.IsNull() || task.Completed {
		t.Errorf("org task %+v, want org %v, assigned to bob, no description, open", task, org.JSON201.Id)
	}
	checkTime(t, "org task created_at", task.CreatedAt)
	taskID := task.Id.String()
	bobTasks, err := b.ListOrgTasksWithResponse(ctx, orgID, &client.ListOrgTasksParams{Limit: ptr[int64](10)})
	must(t, "member lists org tasks", bobTasks, err, http.StatusOK)
	if got := *bobTasks.JSON200; len(got) != 1 || got[0].Id != task.Id {
		t.Errorf("bob lists %+v, want the one task", got)
	}
	bobPatch, err := b.PatchOrgTaskWithResponse(ctx, orgID, taskID, nil, client.OrgTaskPatchIn{Completed: ptr(true)})
	must(t, "member patches org task", bobPatch, err, http.StatusOK)
	if !bobPatch.JSON200.Completed || bobPatch.JSON200.AssignedUserId.MustGet() != bob.Id {
		t.Errorf("patched %+v, want completed and still bob's", *bobPatch.JSON200)
	}
	bobBulk, err := b.DeleteOrgTasksWithResponse(ctx, orgID, nil)
	must(t, "member bulk-deletes", bobBulk, err, http.StatusForbidden)
	if bobBulk.ApplicationproblemJSON403 == nil {
		t.Error("member bulk-deletes: no typed problem body")
	}

	members, err := a.ListMembersWithResponse(ctx, orgID, nil)
	must(t, "list members", members, err, http.StatusOK)
	if got := *members.JSON200; len(got) != 2 || got[0].UserId != alice.Id || got[0].Role != client.MemberOutRoleOwner ||
		got[1].UserId != bob.Id || got[1].Role != client.MemberOutRoleMember {
		t.Errorf("members %+v, want alice (owner) then bob (member)", got)
	}
	role, err := a.SetRoleWithResponse(ctx, orgID, bob.Id.String(), client.RoleIn{Role: client.RoleInRoleAdmin})
	must(t, "make bob admin", role, err, http.StatusOK)
	if got, want := role.JSON200.Role, client.MemberOutRoleAdmin; got != want {
		t.Errorf("bob's new role %q, want %q", got, want)
	}
	lastOwner, err := a.SetRoleWithResponse(ctx, orgID, alice.Id.String(), client.RoleIn{Role: client.RoleInRoleMember})
	must(t, "last owner steps down", lastOwner, err, http.StatusConflict)
	problem(t, "last owner steps down", lastOwner.ApplicationproblemJSON409, http.StatusConflict, tenantry.ErrLastOwner.Message)

	removed, err := a.RemoveMemberWithResponse(ctx, orgID, bob.Id.String())
	must(t, "remove member", removed, err, http.StatusNoContent)
	unassigned, err := a.GetOrgTaskWithResponse(ctx, orgID, taskID, nil)
	must(t, "get org task", unassigned, err, http.StatusOK)
	if !unassigned.JSON200.AssignedUserId.IsNull() {
		t.Errorf("task of a removed member still assigned to %v", unassigned.JSON200.AssignedUserId)
	}
	lost, err := b.GetOrgTaskWithResponse(ctx, orgID, taskID, nil)
	must(t, "removed member gets org task", lost, err, http.StatusNotFound)
	problem(t, "removed member gets org task", lost.ApplicationproblemJSON404, http.StatusNotFound, tenantry.MsgOrgNotFound)
	lostOrg, err := b.GetOrgWithResponse(ctx, orgID)
	must(t, "removed member gets org", lostOrg, err, http.StatusNotFound)
	problem(t, "removed member gets org", lostOrg.ApplicationproblemJSON404, http.StatusNotFound, tenantry.MsgOrgNotFound)
	orgDel, err := a.DeleteOrgTasksWithResponse(ctx, orgID, &client.DeleteOrgTasksParams{Completed: ptr(client.DeleteOrgTasksParamsCompletedTrue)})
	must(t, "bulk delete org tasks", orgDel, err, http.StatusOK)
	if got, want := orgDel.JSON200.DeletedCount, int64(1); got != want {
		t.Errorf("deleted %d org tasks, want %d", got, want)
	}

	// Logging out ends the token at once.
	out, err := a.LogoutWithResponse(ctx)
	must(t, "logout", out, err, http.StatusNoContent)
	after, err := a.MeWithResponse(ctx)
	must(t, "me after logout", after, err, http.StatusUnauthorized)
	problem(t, "me after logout", after.ApplicationproblemJSON401, http.StatusUnauthorized, tenantry.MsgBadCredentials)
}

// TestCookieSession signs in with a cookie session through the generated
// client and signs out again.
func TestCookieSession(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := mustServer(t)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := mustClient(t, srv, client.WithHTTPClient(checkingClient(t, srv, jar)))
	reg, err := c.RegisterWithResponse(ctx, client.RegisterIn{Email: openapi_types.Email("dana@example.com"), Password: "password-1"})
	must(t, "register", reg, err, http.StatusCreated)
	bad, err := c.LoginWithResponse(ctx, client.LoginIn{Email: "dana@example.com", Password: "password-2"})
	must(t, "login with a wrong password", bad, err, http.StatusUnauthorized)
	if bad.ApplicationproblemJSON401 == nil {
		t.Error("login with a wrong password: no typed problem body")
	}
	in, err := c.LoginWithResponse(ctx, client.LoginIn{Email: "dana@example.com", Password: "password-1"})
	must(t, "login", in, err, http.StatusOK)
	if got, want := in.JSON200.Id, reg.JSON201.Id; got != want {
		t.Errorf("login answered user %v, want %v", got, want)
	}
	if in.Headers200 == nil || in.Headers200.SetCookie == nil {
		t.Error("login: no Set-Cookie header parsed")
	}
	me, err := c.MeWithResponse(ctx)
	must(t, "me by cookie", me, err, http.StatusOK)
	if got, want := me.JSON200.Email, "dana@example.com"; got != want {
		t.Errorf("me %q, want %q", got, want)
	}
	task, err := c.CreateTaskWithResponse(ctx, reg.JSON201.Id.String(), nil, client.TaskIn{Title: "by cookie"})
	must(t, "create task by cookie", task, err, http.StatusCreated)
	out, err := c.LogoutWithResponse(ctx)
	must(t, "logout", out, err, http.StatusNoContent)
	after, err := c.MeWithResponse(ctx)
	must(t, "me after logout", after, err, http.StatusUnauthorized)
	if after.ApplicationproblemJSON401 == nil {
		t.Error("me after logout: no typed problem body")
	}
}

// TestAccountChanges changes a password and deletes the account through the
// generated client; each ends the credentials issued before it.
func TestAccountChanges(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := mustServer(t)
	anon := mustClient(t, srv)
	reg, err := anon.RegisterWithResponse(ctx, client.RegisterIn{Email: "erin@example.com", Password: "password-1"})
	must(t, "register", reg, err, http.StatusCreated)
	token := func(password string) string {
		t.Helper()
		res, err := anon.TokenWithFormdataBodyWithResponse(ctx, client.TokenForm{Username: "erin@example.com", Password: password})
		must(t, "token", res, err, http.StatusOK)
		return res.JSON200.AccessToken
	}
	old := mustClient(t, srv, bearer(token("password-1")))

	wrong, err := old.ChangePasswordWithResponse(ctx, client.PasswordIn{CurrentPassword: "nope", NewPassword: "password-2"})
	must(t, "change password with a wrong current one", wrong, err, http.StatusForbidden)
	if wrong.ApplicationproblemJSON403 == nil {
		t.Error("change password with a wrong current one: no typed problem body")
	}
	changed, err := old.ChangePasswordWithResponse(ctx, client.PasswordIn{CurrentPassword: "password-1", NewPassword: "password-2"})
	must(t, "change password", changed, err, http.StatusNoContent)
	stale, err := old.MeWithResponse(ctx)
	must(t, "old token after password change", stale, err, http.StatusUnauthorized)
	problem(t, "old token after password change", stale.ApplicationproblemJSON401, http.StatusUnauthorized, tenantry.MsgBadCredentials)

	fresh := mustClient(t, srv, bearer(token("password-2")))
	kept, err := fresh.DeleteMeWithResponse(ctx, client.DeleteMeIn{Password: "password-1"})
	must(t, "delete account with the old password", kept, err, http.StatusForbidden)
	gone, err := fresh.DeleteMeWithResponse(ctx, client.DeleteMeIn{Password: "password-2"})
	must(t, "delete account", gone, err, http.StatusNoContent)
	after, err := fresh.MeWithResponse(ctx)
	must(t, "token of a deleted account", after, err, http.StatusUnauthorized)
	problem(t, "token of a deleted account", after.ApplicationproblemJSON401, http.StatusUnauthorized, tenantry.MsgBadCredentials)
	again, err := anon.TokenWithFormdataBodyWithResponse(ctx, client.TokenForm{Username: "erin@example.com", Password: "password-2"})
	must(t, "token for a deleted account", again, err, http.StatusUnauthorized)
}
