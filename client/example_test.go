package client_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/tenantry/tenantry/client"
	"github.com/tenantry/tenantry/internal/server"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// A whole session: sign up, get a token with the password, then create and
// list tasks in the caller's personal space. Every call answers a typed
// response: JSON200 (or JSON201) on success, ApplicationproblemJSON4xx with
// the server's problem otherwise.
func Example() {
	ctx := context.Background()
	url, stop := startTenantry() // a Tenantry server, here on a fresh SQLite file
	defer stop()

	anon, err := client.NewClientWithResponses(url)
	if err != nil {
		log.Fatal(err)
	}
	reg, err := anon.RegisterWithResponse(ctx, client.RegisterIn{Email: "alice@example.com", Password: "correct horse battery"})
	if err != nil || reg.JSON201 == nil {
		log.Fatalf("register: %v %s", err, reg.Body)
	}
	tok, err := anon.TokenWithFormdataBodyWithResponse(ctx, client.TokenForm{Username: "alice@example.com", Password: "correct horse battery"})
	if err != nil || tok.JSON200 == nil {
		log.Fatalf("token: %v %s", err, tok.Body)
	}

	// Every call of this client carries the token.
	alice, err := client.NewClientWithResponses(url, client.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok.JSON200.AccessToken)
		return nil
	}))
	if err != nil {
		log.Fatal(err)
	}
	me := reg.JSON201.Id.String() // a user's personal tasks live under their id
	for _, title := range []string{"Buy milk", "Call the bank"} {
		res, err := alice.CreateTaskWithResponse(ctx, me, nil, client.TaskIn{Title: title})
		if err != nil || res.JSON201 == nil {
			log.Fatalf("create: %v %s", err, res.Body)
		}
	}
	list, err := alice.ListTasksWithResponse(ctx, me, &client.ListTasksParams{})
	if err != nil || list.JSON200 == nil {
		log.Fatalf("list: %v %s", err, list.Body)
	}
	for _, t := range *list.JSON200 {
		fmt.Println(t.Title, t.Completed)
	}

	// Without the token, the same list is refused with a problem.
	refused, err := anon.ListTasksWithResponse(ctx, me, &client.ListTasksParams{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(refused.StatusCode(), refused.ApplicationproblemJSON401 != nil)
	// Output:
	// Buy milk false
	// Call the bank false
	// 401 true
}

// startTenantry serves Tenantry over a fresh SQLite database in a
// temporary directory, and returns its URL and what stops it.
func startTenantry() (string, func()) {
	dir, err := os.MkdirTemp("", "tenantry-example")
	if err != nil {
		log.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "tenantry.db"))
	if err != nil {
		log.Fatal(err)
	}
	h, err := server.New(server.Config{Store: db, Secret: []byte("example-secret-0123456789abcdef-0123")})
	if err != nil {
		log.Fatal(err)
	}
	srv := httptest.NewServer(h)
	return srv.URL, func() {
		srv.Close()
		_ = db.Close()
		_ = os.RemoveAll(dir)
	}
}
