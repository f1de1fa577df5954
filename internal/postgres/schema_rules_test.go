package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// schemaRules finds, in the live catalog of the public schema, what would
// let one tenant reach another's rows once the tables are distributed by
// tenant_id (Citus), or what Citus refuses outright. A tenant table is any
// table with a tenant_id column, read from the catalog, so tables added by
// later migrations are held to the same rules. Each finding names the rule
// and the object.
const schemaRules = `
WITH tenant_tables AS (
    SELECT c.oid, c.relname, a.attnum AS tenant_att
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
)
-- A primary or unique key (constraint or bare unique index) without
-- tenant_id is checked across tenants, bypassing row-level security.
SELECT 'unique key without tenant_id: ' || t.relname || '.' || i.relname
FROM tenant_tables t
JOIN pg_index x ON x.indrelid = t.oid AND x.indisunique
JOIN pg_class i ON i.oid = x.indexrelid
WHERE NOT (t.tenant_att = ANY (x.indkey::int2[]))
UNION ALL
-- A foreign key between tenant tables must compare tenant_id with
-- tenant_id, first: a key led by anything else can reference another
-- tenant's row, and Citus needs the distribution column in it.
SELECT 'foreign key between tenant tables not led by tenant_id: ' || t.relname || '.' || k.conname
FROM pg_constraint k
JOIN tenant_tables t ON t.oid = k.conrelid
JOIN tenant_tables r ON r.oid = k.confrelid
WHERE k.contype = 'f' AND (k.conkey[1] <> t.tenant_att OR k.confkey[1] <> r.tenant_att)
UNION ALL
-- SET NULL and SET DEFAULT on a key holding tenant_id: Citus refuses them,
-- and without PostgreSQL 15's column list they would rewrite tenant_id.
SELECT 'ON DELETE or ON UPDATE SET NULL/DEFAULT on a tenant key: ' || t.relname || '.' || k.conname
FROM pg_constraint k
JOIN tenant_tables t ON t.oid = k.conrelid
WHERE k.contype = 'f' AND t.tenant_att = ANY (k.conkey)
  AND (k.confdeltype IN ('n', 'd') OR k.confupdtype IN ('n', 'd'))
UNION ALL
-- A policy with a sub-query reads other rows, of other shards on Citus.
SELECT 'policy with a sub-query: ' || c.relname || '.' || p.polname
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public'
  AND (coalesce(p.polqual::text, '') LIKE '%{SUBLINK %' OR coalesce(p.polwithcheck::text, '') LIKE '%{SUBLINK %')
UNION ALL
-- Citus copies a restrictive policy to the shards as a permissive one: what
-- it was meant to narrow would be widened, silently.
SELECT 'restrictive policy: ' || c.relname || '.' || p.polname
FROM pg_policy p
JOIN pg_class c ON c.oid = p.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND NOT p.polpermissive
ORDER BY 1`

// schemaFindings runs schemaRules on conn.
func schemaFindings(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), schemaRules)
	if err != nil {
		t.Fatalf("schema rules: %v", err)
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("schema rules: %v", err)
	}
	return found
}

// TestSchemaRules: the migrated schema keeps every rule (see schemaRules).
func TestSchemaRules(t *testing.T) {
	t.Parallel()
	db := postgrestest.NewDatabase(t)
	conn := connect(t, db.AdminURL)
	// The rules are only as good as the catalog they read: the schema has
	// tenant tables and policies for them to look at.
	var tables, policies int
	if err := conn.QueryRow(t.Context(), `SELECT
	    (SELECT count(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
	     JOIN pg_namespace n ON n.oid = c.relnamespace
	     WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attname = 'tenant_id'),
	    (SELECT count(*) FROM pg_policies WHERE schemaname = 'public')`).Scan(&tables, &policies); err != nil {
		t.Fatal(err)
	}
	if tables < 2 || policies == 0 {
		t.Fatalf("the schema has %d tenant tables and %d policies; the rules read the wrong database", tables, policies)
	}
	if found := schemaFindings(t, conn); len(found) > 0 {
		t.Errorf("the schema breaks %d rules:\n%s", len(found), strings.Join(found, "\n"))
	}
}

// TestSchemaRulesCatchViolations adds one table or policy per rule to a
// migrated schema and expects each to be found, and nothing else.
func TestSchemaRulesCatchViolations(t *testing.T) {
	t.Parallel()
	db := postgrestest.NewFreshDatabase(t)
	conn := connect(t, db.AdminURL)
	for _, stmt := range []string{
		`CREATE TABLE bad_unique (tenant_id uuid NOT NULL, id uuid PRIMARY KEY, code text,
		    CONSTRAINT bad_unique_ok UNIQUE (tenant_id, code))`,
		`CREATE UNIQUE INDEX bad_unique_code_idx ON bad_unique (code)`,
		`CREATE TABLE bad_fk (tenant_id uuid NOT NULL, task_id uuid, assignee uuid,
		    PRIMARY KEY (tenant_id, task_id),
		    CONSTRAINT bad_fk_not_led FOREIGN KEY (task_id, tenant_id) REFERENCES tasks (id, tenant_id),
		    CONSTRAINT bad_fk_set_null FOREIGN KEY (tenant_id, assignee)
		        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (assignee),
		    CONSTRAINT bad_fk_set_default FOREIGN KEY (tenant_id, task_id)
		        REFERENCES tasks (tenant_id, id) ON DELETE SET DEFAULT)`,
		`CREATE UNIQUE INDEX tasks_id_tenant_id_idx ON tasks (id, tenant_id)`,
		`CREATE POLICY bad_subquery ON tasks FOR SELECT
		    USING (tenant_id IN (SELECT m.tenant_id FROM memberships m))`,
		`CREATE POLICY bad_restrictive ON tasks AS RESTRICTIVE FOR SELECT USING (completed)`,
	} {
		if _, err := conn.Exec(t.Context(), stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	want := []string{
		"ON DELETE or ON UPDATE SET NULL/DEFAULT on a tenant key: bad_fk.bad_fk_set_default",
		"ON DELETE or ON UPDATE SET NULL/DEFAULT on a tenant key: bad_fk.bad_fk_set_null",
		"foreign key between tenant tables not led by tenant_id: bad_fk.bad_fk_not_led",
		"policy with a sub-query: tasks.bad_subquery",
		"restrictive policy: tasks.bad_restrictive",
		"unique key without tenant_id: bad_unique.bad_unique_code_idx",
		"unique key without tenant_id: bad_unique.bad_unique_pkey",
	}
	got := schemaFindings(t, conn)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
