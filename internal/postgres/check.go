package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// checkRole refuses a connection whose role could bypass row-level security.
// Every message says what is wrong and how to fix it.
func checkRole(ctx context.Context, pool *pgxpool.Pool) error {
	var (
		role          string
		super, bypass bool
	)
	err := pool.QueryRow(ctx,
		`SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`).
		Scan(&role, &super, &bypass)
	if err != nil {
		return fmt.Errorf("postgres: check database role: %w", err)
	}
	if super {
		return fmt.Errorf("postgres: refusing to run as %q: it is a superuser, and superusers bypass row-level security; "+
			"connect as the application role that `tenantry migrate` creates (for example tenantry_app)", role)
	}
	if bypass {
		return fmt.Errorf("postgres: refusing to run as %q: it has BYPASSRLS; "+
			"run `ALTER ROLE %s NOBYPASSRLS` as an administrator, or connect as the application role", role, role)
	}

	// Every tenant-owned table: tenants, and every table with a tenant_id.
	rows, err := pool.Query(ctx, `
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
func tenantTables() []string { return []string{"memberships", "tasks", "tenants"} }
