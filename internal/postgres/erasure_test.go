package postgres_test

import (
	"testing"

	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
	"github.com/tenantry/tenantry/internal/storetest"
)

// TestErasureLeavesNothing looks in every table, column by column, as a
// superuser that sees past row-level security, for the deleted user's id or
// email.
func TestErasureLeavesNothing(t *testing.T) {
	t.Parallel()
	db := postgrestest.NewOwnedDatabase(t)
	erased, bystander := storetest.Erased(t, postgrestest.OpenURL(t, db.AppURL))
	conn := connect(t, db.AdminURL)
	ctx := t.Context()
	rows, err := conn.Query(ctx, `SELECT table_name, column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name <> 'goose_db_version' ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	type column struct{ table, name, typ string }
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name, &c.typ); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	count := func(c column, v any) int {
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM "`+c.table+`" WHERE "`+c.name+`"::text = $1`, v).Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", c.table, c.name, err)
		}
		return n
	}
	tables := map[string]bool{}
	kept := 0
	for _, c := range cols {
		tables[c.table] = true
		for _, v := range []string{erased.ID.String(), erased.Email} {
			if n := count(c, v); n > 0 {
				t.Errorf("%s.%s still holds %d rows of the erased user", c.table, c.name, n)
			}
		}
		if c.typ == "uuid" {
			kept += count(c, bystander.ID.String())
		}
	}
	if kept == 0 {
		t.Error("the bystander's rows are not found either: the check looks in the wrong place")
	}
	for _, want := range []string{"users", "tenants", "memberships", "tasks", "sessions", "api_tokens", "totp", "recovery_codes"} {
		if !tables[want] {
			t.Errorf("table %s was not checked", want)
		}
	}
}
