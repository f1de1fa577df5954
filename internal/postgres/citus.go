package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// On Citus (docs/scaling.md), the tenant tables are distributed by
// tenant_id and co-located with tenants (distributed by id), so that a
// tenant's rows, and every key and policy check between them, live on one
// shard; the tables no tenant owns (users, sessions, revoked_tokens) are
// reference tables, copied to every node, which the tenant tables' foreign
// keys to users need.

// isCitus reports whether the citus extension is installed in the database.
func isCitus(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (bool, error) {
	var citus bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')`).Scan(&citus)
	if err != nil {
		return false, fmt.Errorf("check for the citus extension: %w", err)
	}
	return citus, nil
}

// distribute makes, on Citus, every table of the schema that is not yet
// one distributed or reference: a table with a tenant_id column is
// distributed by it and co-located with tenants; tenants by id; every other
// table, goose's own excepted, a reference table. The tables are read from
// the catalog, so tables added by later migrations are distributed too, and
// are taken in foreign-key order (a table after the tables it references).
// It is idempotent: tables already distributed are left as they are.
func distribute(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `
		SELECT c.relname,
		       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped),
		       coalesce((SELECT array_agg(DISTINCT r.relname) FROM pg_constraint k JOIN pg_class r ON r.oid = k.confrelid
		                 WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid <> c.oid), '{}')
		FROM pg_class c
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
		  AND c.relname <> 'goose_db_version'
		  AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)
		ORDER BY c.relname`)
	if err != nil {
		return fmt.Errorf("distribute: list tables: %w", err)
	}
	type table struct {
		name     string
		tenant   bool
		requires []string
	}
	var todo []table
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.name, &t.tenant, &t.requires); err != nil {
			rows.Close()
			return fmt.Errorf("distribute: list tables: %w", err)
		}
		if t.tenant && t.name != "tenants" {
			t.requires = append(t.requires, "tenants") // co-located with it
		}
		todo = append(todo, t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("distribute: list tables: %w", err)
	}
	pending := func(name string) bool {
		return slices.ContainsFunc(todo, func(t table) bool { return t.name == name })
	}
	// Citus refuses, whatever the order, to distribute a table another
	// table still references while the two would be of different kinds
	// (local, reference, distributed). So the foreign keys between the
	// tables go first, in one transaction with the distribution, and come
	// back once every table is what it will be; Citus then creates them on
	// the shards too.
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("distribute: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it is a no-op
	if _, err := tx.Exec(ctx, `SET LOCAL citus.multi_shard_modify_mode = 'sequential'`); err != nil {
		return fmt.Errorf("distribute: %w", err)
	}
	fkRows, err := tx.Query(ctx, `
		SELECT format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.relname, k.conname, pg_get_constraintdef(k.oid)),
		       format('ALTER TABLE %I DROP CONSTRAINT %I', c.relname, k.conname)
		FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
		WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace
		  AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid IN (k.conrelid, k.confrelid))
		ORDER BY c.relname, k.conname`)
	if err != nil {
		return fmt.Errorf("distribute: list foreign keys: %w", err)
	}
	keys, err := pgx.CollectRows(fkRows, func(r pgx.CollectableRow) (k [2]string, err error) {
		err = r.Scan(&k[0], &k[1])
		return k, err
	})
	if err != nil {
		return fmt.Errorf("distribute: list foreign keys: %w", err)
	}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, k[1]); err != nil {
			return fmt.Errorf("distribute: %w", err)
		}
	}
	// The announcement triggers of users and revoked_tokens (00003) fire on
	// the shards; a reference table has a placement on the coordinator,
	// whose NOTIFY reaches the replicas listening there. Citus calls such
	// triggers unsafe because it cannot know what they do; they only notify.
	if _, err := tx.Exec(ctx, `SET LOCAL citus.enable_unsafe_triggers = on`); err != nil {
		return fmt.Errorf("distribute: %w", err)
	}
	for len(todo) > 0 {
		// Reference tables first: a local table referencing one becomes a
		// Citus local table, which can then be distributed; a local table
		// referencing a distributed one cannot.
		i := slices.IndexFunc(todo, func(t table) bool {
			return !t.tenant && t.name != "tenants" && !slices.ContainsFunc(t.requires, pending)
		})
		if i < 0 {
			i = slices.IndexFunc(todo, func(t table) bool { return !slices.ContainsFunc(t.requires, pending) })
		}
		if i < 0 {
			return errors.New("distribute: the tables' foreign keys form a cycle")
		}
		t := todo[i]
		todo = slices.Delete(todo, i, i+1)
		var stmt string
		switch {
		case t.name == "tenants":
			stmt = `SELECT create_distributed_table($1, 'id')`
		case t.tenant:
			stmt = `SELECT create_distributed_table($1, 'tenant_id', colocate_with => 'tenants')`
		default:
			stmt = `SELECT create_reference_table($1)`
		}
		if _, err := tx.Exec(ctx, stmt, pgx.Identifier{t.name}.Sanitize()); err != nil {
			return fmt.Errorf("distribute %s: %w", t.name, err)
		}
	}
	for _, k := range keys {
		if _, err := tx.Exec(ctx, k[0]); err != nil {
			return fmt.Errorf("distribute: restore a foreign key: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("distribute: %w", err)
	}
	return nil
}

// propagateSetting is the citus.propagate_set_commands serve needs: with
// it, Citus sends the context functions' SET LOCAL to the workers of the
// transaction, where the policies read them. With none (Citus's default),
// the workers see no setting and every tenant read fails closed.
const propagateSetting = "local"

// setPropagation makes propagateSetting the default of this database, and
// so the application role's, so that serve needs no setting of its own. It
// is the database's setting rather than the role's (ALTER ROLE ... IN
// DATABASE), because the database's owner may change its own database's
// defaults, while another role's need CREATEROLE or a superuser: the owner
// the README sets up has neither. The value only makes Citus send a
// transaction's SET LOCAL to the workers it uses, for any role.
func setPropagation(ctx context.Context, conn *pgx.Conn) error {
	var db string
	if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&db); err != nil {
		return err
	}
	_, err := conn.Exec(ctx, "ALTER DATABASE "+pgx.Identifier{db}.Sanitize()+
		" SET citus.propagate_set_commands = "+propagateSetting)
	return err
}

// checkPropagation refuses to serve on Citus unless the role's
// citus.propagate_set_commands is propagateSetting: with Citus's default,
// none, the workers would run every tenant statement without the settings
// the policies compare with, and every tenant read would fail closed.
func checkPropagation(ctx context.Context, pool *pgxpool.Pool) error {
	var setting, role, db string
	err := pool.QueryRow(ctx, `SELECT current_setting('citus.propagate_set_commands'), current_user, current_database()`).
		Scan(&setting, &role, &db)
	if err != nil {
		return fmt.Errorf("postgres: check citus.propagate_set_commands: %w", err)
	}
	if setting != propagateSetting {
		return fmt.Errorf("postgres: on Citus, citus.propagate_set_commands is %q for role %s, so the workers would not see "+
			"the tenant context and every tenant read would be refused; run \"tenantry migrate\" again, or as the database's "+
			"owner: ALTER DATABASE %s SET citus.propagate_set_commands = %s (a setting of the role's own, from ALTER ROLE, "+
			"overrides the database's: ALTER ROLE %s IN DATABASE %s RESET citus.propagate_set_commands)",
			setting, role, pgx.Identifier{db}.Sanitize(), propagateSetting, pgx.Identifier{role}.Sanitize(), pgx.Identifier{db}.Sanitize())
	}
	return nil
}

// sequentialSQL makes Citus run the rest of the transaction's multi-shard
// statements one shard at a time, over one connection per worker. A
// transaction that reads or writes several shards in parallel may not then
// modify a reference table (DeleteUser: the user's memberships, then the
// user), nor run into its own parallel writes from another connection.
const sequentialSQL = `SET LOCAL citus.multi_shard_modify_mode = 'sequential'`

// sequential runs sequentialSQL in tx on Citus; on plain PostgreSQL it
// sends nothing.
func (db *DB) sequential(ctx context.Context, tx pgx.Tx) error {
	if !db.citus {
		return nil
	}
	if _, err := tx.Exec(ctx, sequentialSQL); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	return nil
}

// announce sends, on Citus, the announcement that the triggers of 00003 send
// on plain PostgreSQL (and stay silent for on Citus's shards, see 00007):
// payload on the token caches' channel, from the coordinator's own
// transaction, so that it is delivered when, and only when, it commits.
func (db *DB) announce(ctx context.Context, tx pgx.Tx, payload string) error {
	if !db.citus {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_notify('tenantry_auth', $1)`, payload); err != nil {
		return fmt.Errorf("postgres: announce: %w", err)
	}
	return nil
}
