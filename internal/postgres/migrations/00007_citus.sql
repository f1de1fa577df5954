-- What Citus needs of the schema (docs/scaling.md), kept on plain PostgreSQL
-- too, so that one schema serves both.
--
-- 1. The assignee key loses its ON DELETE SET NULL (assigned_user_id). Citus
-- refuses SET NULL and SET DEFAULT on a foreign key that holds the
-- distribution column (it ignores PostgreSQL 15's column list and would null
-- tenant_id too), so tasks could not be distributed by tenant_id. The store
-- already unassigns a member's tasks before it removes the member (members.go,
-- users.go), and a tenant's deletion cascades to its tasks and memberships in
-- the same statement, so the key now only refuses what the store never does:
-- removing a membership that tasks still point at.
--
-- 2. The context functions run as the caller (SECURITY INVOKER), no longer
-- as the owner. Citus keeps one connection to a worker per user within a
-- transaction, and a row written by one of them is invisible to the other:
-- registration wrote the user as the application role, then create_tenant,
-- as the owner, failed its membership's key to that user; tenant_context
-- failed the same way when two of a user's tenants shared a shard. Running
-- as the owner bought nothing: the owner is held to the policies too (FORCE),
-- the application role may read and write these tables under the same
-- policies and may set the same settings itself (docs/design.md, "What wall
-- two holds against"), and search_path stays pinned.
--
-- 3. The announcement triggers (00003) stay silent on Citus's shards. On
-- Citus, users and revoked_tokens are reference tables, whose triggers fire
-- on every node's placement, and a NOTIFY there makes the two-phase commit
-- of a reference table fail ("cannot PREPARE a transaction that has
-- executed ... NOTIFY"). A shard is named after its table with a suffix
-- (users_102009), so the functions notify only for the table itself; on
-- Citus the store sends the same announcements in its own transaction on
-- the coordinator (citus.go). On plain PostgreSQL nothing changes.

-- +goose Up
ALTER TABLE tasks DROP CONSTRAINT tasks_assignee_fkey;
ALTER TABLE tasks ADD CONSTRAINT tasks_assignee_fkey FOREIGN KEY (tenant_id, assigned_user_id)
    REFERENCES memberships (tenant_id, user_id);
ALTER FUNCTION tenant_context(uuid, uuid) SECURITY INVOKER;
ALTER FUNCTION user_context(uuid) SECURITY INVOKER;
ALTER FUNCTION create_tenant(uuid, uuid, text, text, timestamptz) SECURITY INVOKER;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION announce_token() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'revoked_tokens' THEN
        PERFORM pg_notify('tenantry_auth', 'token:' || NEW.token_id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION announce_user() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME <> 'users' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('tenantry_auth', 'user:' || OLD.id::text);
    ELSE
        PERFORM pg_notify('tenantry_auth', 'user:' || NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION announce_token() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_notify('tenantry_auth', 'token:' || NEW.token_id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION announce_user() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('tenantry_auth', 'user:' || OLD.id::text);
    ELSE
        PERFORM pg_notify('tenantry_auth', 'user:' || NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

ALTER FUNCTION create_tenant(uuid, uuid, text, text, timestamptz) SECURITY DEFINER;
ALTER FUNCTION user_context(uuid) SECURITY DEFINER;
ALTER FUNCTION tenant_context(uuid, uuid) SECURITY DEFINER;
ALTER TABLE tasks DROP CONSTRAINT tasks_assignee_fkey;
ALTER TABLE tasks ADD CONSTRAINT tasks_assignee_fkey FOREIGN KEY (tenant_id, assigned_user_id)
    REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (assigned_user_id);
