package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// checkRole refuses a connection whose role could bypass row-level security.
// Every message says what is wrong and how to fix it.
//
// A role's powers include those of every role it is a member of, directly
// or through other roles, inherited or not: a member may SET ROLE to any of
// them. So each check below looks at the whole membership closure
// (pg_has_role(..., 'MEMBER') is recursive), not only at current_user.
func checkRole(ctx context.Context, pool *pgxpool.Pool) error {
	var role, schema string
	if err := pool.QueryRow(ctx, `SELECT current_user, current_schema()`).Scan(&role, &schema); err != nil {
		return fmt.Errorf("postgres: check database role: %w", err)
	}
	rows, err := pool.Query(ctx, `
		SELECT r.rolname, r.rolname = current_user, r.rolsuper, r.rolbypassrls, r.rolcreaterole,
		       has_schema_privilege(r.oid, current_schema(), 'CREATE')
		FROM pg_roles r
		WHERE pg_has_role(current_user, r.oid, 'MEMBER')
		  AND (r.rolsuper OR r.rolbypassrls OR r.rolcreaterole
		       OR has_schema_privilege(r.oid, current_schema(), 'CREATE'))
		ORDER BY r.rolname = current_user DESC, r.rolname`)
	if err != nil {
		return fmt.Errorf("postgres: check database role: %w", err)
	}
	type power struct {
		name                                      string
		self, super, bypass, createRole, mkSchema bool
	}
	found, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (power, error) {
		var p power
		err := row.Scan(&p.name, &p.self, &p.super, &p.bypass, &p.createRole, &p.mkSchema)
		return p, err
	})
	if err != nil {
		return fmt.Errorf("postgres: check database role: %w", err)
	}
	for _, p := range found {
		// who names the role that holds the power, as seen from role.
		who := "it"
		fix := ""
		if !p.self {
			who = fmt.Sprintf("it is a member of %q (usable through SET ROLE), which", p.name)
			fix = fmt.Sprintf("REVOKE %s FROM %s, or ", pgx.Identifier{p.name}.Sanitize(), pgx.Identifier{role}.Sanitize())
		}
		switch {
		case p.super && p.self:
			return fmt.Errorf("postgres: refusing to run as %q: it is a superuser, and superusers bypass row-level security; "+
				"connect as the application role that `tenantry migrate` creates (for example tenantry_app)", role)
		case p.super:
			return fmt.Errorf("postgres: refusing to run as %q: %s is a superuser, and superusers bypass row-level security; "+
				"%sconnect as an application role that is a member of no privileged role", role, who, fix)
		case p.bypass:
			return fmt.Errorf("postgres: refusing to run as %q: %s has BYPASSRLS; "+
				"%srun `ALTER ROLE %s NOBYPASSRLS` as an administrator, or connect as the application role",
				role, who, fix, pgx.Identifier{p.name}.Sanitize())
		case p.createRole:
			return fmt.Errorf("postgres: refusing to run as %q: %s has CREATEROLE, and could grant itself the owner role; "+
				"%srun `ALTER ROLE %s NOCREATEROLE` as an administrator",
				role, who, fix, pgx.Identifier{p.name}.Sanitize())
		case p.mkSchema:
			return fmt.Errorf("postgres: refusing to run as %q: %s may CREATE in the schema, and could shadow the tables "+
				"and functions row-level security relies on; %srun `REVOKE CREATE ON SCHEMA %s FROM %s` as the owner "+
				"(`tenantry migrate` does this for the application role and PUBLIC)",
				role, who, fix, pgx.Identifier{schema}.Sanitize(), pgx.Identifier{p.name}.Sanitize())
		}
	}

	// Every tenant-owned table: tenants, and every table with a tenant_id.
	rows, err = pool.Query(ctx, `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       pg_has_role(current_user, c.relowner, 'MEMBER') AS owns
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
		  AND (c.relname = 'tenants' OR EXISTS (
		        SELECT 1 FROM pg_attribute a
		        WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
		ORDER BY c.relname`)
	if err != nil {
		return fmt.Errorf("postgres: check row-level security: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var (
			table                string
			enabled, forced, own bool
		)
		if err := rows.Scan(&table, &enabled, &forced, &own); err != nil {
			return fmt.Errorf("postgres: check row-level security: %w", err)
		}
		seen[table] = true
		switch {
		case own:
			return fmt.Errorf("postgres: refusing to run as %q: it owns table %s (or is a member of its owner), "+
				"and a table's owner can turn row-level security off; run migrations as a separate owner role "+
				"and connect as an application role that owns nothing", role, table)
		case !enabled || !forced:
			return fmt.Errorf("postgres: refusing to run: table %s does not have row-level security enabled and forced; "+
				"run `tenantry migrate`, or as the owner: ALTER TABLE %s ENABLE ROW LEVEL SECURITY; "+
				"ALTER TABLE %s FORCE ROW LEVEL SECURITY", table, table, table)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: check row-level security: %w", err)
	}
	for _, table := range tenantTables() {
		if !seen[table] {
			return fmt.Errorf("postgres: refusing to run: table %s is missing or not visible to %q; "+
				"run `tenantry migrate` with the owner's URL first", table, role)
		}
	}
	return nil
}

// tenantTables are the tables that hold tenant data and carry policies.
func tenantTables() []string {
	return []string{"api_tokens", "audit_entries", "idempotency_keys", "invitations", "memberships", "tasks", "tenants"}
}
