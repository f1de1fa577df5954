package postgres_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestOpenRefusesMembersOfPrivilegedRoles: a role can SET ROLE to any role
// it is a member of, directly or through others, so the start-up check
// refuses an application role whose membership closure holds a superuser,
// BYPASSRLS, CREATEROLE or CREATE on the schema. Each case has an
// application role of its own (roles are shared by the whole server), and
// the same role with no setup is accepted, so each refusal is the setup's.
func TestOpenRefusesMembersOfPrivilegedRoles(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		// roles are the attributes of extra roles, %[2]s, %[3]s, ... in setup.
		roles []string
		// setup runs as the server's superuser; %[1]s is the application role.
		setup []string
		want  []string
	}{
		{name: "accepted"},
		{name: "member of a superuser", roles: []string{"NOLOGIN SUPERUSER"},
			setup: []string{"GRANT %[2]s TO %[1]s"}, want: []string{"superuser", "SET ROLE", "%[2]s"}},
		{name: "member of a member of a BYPASSRLS role", roles: []string{"NOLOGIN BYPASSRLS", "NOLOGIN"},
			setup: []string{"GRANT %[2]s TO %[3]s", "GRANT %[3]s TO %[1]s"}, want: []string{"BYPASSRLS", "%[2]s"}},
		{name: "CREATEROLE", setup: []string{"ALTER ROLE %[1]s CREATEROLE"}, want: []string{"CREATEROLE"}},
		{name: "CREATE on the schema", setup: []string{"GRANT CREATE ON SCHEMA public TO %[1]s"},
			want: []string{"CREATE in the schema"}},
		{name: "CREATE on the schema through a member role", roles: []string{"NOLOGIN"},
			setup: []string{"GRANT CREATE ON SCHEMA public TO %[2]s", "GRANT %[2]s TO %[1]s"},
			want:  []string{"CREATE in the schema", "%[2]s"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			// Roles first, so that the database and its grants are dropped
			// before them.
			names := []any{postgrestest.TempRole(t, "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOINHERIT")}
			for _, attrs := range c.roles {
				names = append(names, postgrestest.TempRole(t, attrs))
			}
			db := postgrestest.NewFreshDatabase(t)
			if err := postgres.Migrate(ctx, db.OwnerURL, names[0].(string)); err != nil {
				t.Fatal(err)
			}
			var pairs []string
			for i, name := range names {
				pairs = append(pairs, fmt.Sprintf("%%[%d]s", i+1), name.(string))
			}
			fill := strings.NewReplacer(pairs...).Replace
			admin := connect(t, db.AdminURL)
			for _, stmt := range c.setup {
				if _, err := admin.Exec(ctx, fill(stmt)); err != nil {
					t.Fatalf("%s: %v", fill(stmt), err)
				}
			}
			store, err := postgres.Open(ctx, db.As(t, names[0].(string)))
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				store.Close()
				return
			}
			if err == nil {
				store.Close()
				t.Fatal("Open succeeded, want a refusal")
			}
			for _, want := range c.want {
				if want := fill(want); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}
