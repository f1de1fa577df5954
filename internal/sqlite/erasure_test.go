package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/tenantry/tenantry/internal/sqlite"
	"github.com/tenantry/tenantry/internal/storetest"
)

// TestErasureLeavesNothing looks in every table of the file, column by
// column, for the deleted user's id or email.
func TestErasureLeavesNothing(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tenantry.db")
	store, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	erased, bystander := storetest.Erased(t, store)
	db := rawDB(t, path)
	type column struct{ table, name string }
	var cols []column
	rows, err := db.Query(`SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.table, &c.name); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	rows.Close()
	if len(cols) < 20 {
		t.Fatalf("only %d columns found: %v", len(cols), cols)
	}
	count := func(c column, v any) int {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM "`+c.table+`" WHERE "`+c.name+`" = ?`, v).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tables := map[string]bool{}
	kept := 0
	for _, c := range cols {
		tables[c.table] = true
		for _, v := range []any{erased.ID[:], erased.ID.String(), erased.Email} {
			if n := count(c, v); n > 0 {
				t.Errorf("%s.%s still holds %d rows of the erased user", c.table, c.name, n)
			}
		}
		kept += count(c, bystander.ID[:])
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
