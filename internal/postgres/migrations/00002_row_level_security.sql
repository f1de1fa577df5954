-- Wall two: PostgreSQL itself refuses rows of tenants the user is not a
-- member of. See DESIGN.md, "Two walls".
--
-- Settings, all transaction-local (SET LOCAL) and set only by the SECURITY
-- DEFINER functions below:
--   app.user_id    the acting user.
--   app.tenant_id  the tenant of a tenant transaction (tenant_context, create_tenant).
--   app.tenant_ids the user's tenants, as a uuid[] literal, in a user-level
--                  transaction (user_context); cleared by tenant_context.
-- Every policy is a plain comparison with these settings: no sub-queries and
-- no restrictive policies, so the same schema runs on Citus. nullif turns an
-- unset or reset setting into NULL, which matches no row.
--
-- users, sessions and revoked_tokens carry no tenant data (see 00001) and
-- have no policies.

-- +goose Up
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE tenants FORCE ROW LEVEL SECURITY;
ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE tasks FORCE ROW LEVEL SECURITY;

-- tenants: the current tenant; in a user-level context, the user's tenants.
CREATE POLICY tenants_select ON tenants FOR SELECT
    USING (id = nullif(current_setting('app.tenant_id', true), '')::uuid
        OR id = ANY (nullif(current_setting('app.tenant_ids', true), '')::uuid[]));
CREATE POLICY tenants_insert ON tenants FOR INSERT
    WITH CHECK (id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenants_update ON tenants FOR UPDATE
    USING (id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tenants_delete ON tenants FOR DELETE
    USING (id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- memberships: the current tenant's rows. While no tenant is set (a
-- user-level context, or inside tenant_context before the membership check),
-- the user's own memberships: that is how tenant_context, whose owner is
-- subject to FORCE too, can check a membership, and how a user lists their
-- organizations. Once a tenant is set, the user's rows in other tenants are
-- invisible again.
CREATE POLICY memberships_select ON memberships FOR SELECT
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid
        OR (nullif(current_setting('app.tenant_id', true), '') IS NULL
            AND user_id = nullif(current_setting('app.user_id', true), '')::uuid));
CREATE POLICY memberships_insert ON memberships FOR INSERT
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY memberships_update ON memberships FOR UPDATE
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY memberships_delete ON memberships FOR DELETE
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

CREATE POLICY tasks_select ON tasks FOR SELECT
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tasks_insert ON tasks FOR INSERT
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tasks_update ON tasks FOR UPDATE
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY tasks_delete ON tasks FOR DELETE
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- tenant_context opens a tenant transaction: it sets app.user_id, checks the
-- membership (visible through the user's own rows), raises
-- insufficient_privilege for a non-member or an unknown tenant, and only then
-- sets app.tenant_id. It returns the member's role and the tenant's kind.
-- Call it as a statement of its own, first in the transaction.
-- +goose StatementBegin
CREATE FUNCTION tenant_context(p_user uuid, p_tenant uuid, OUT role text, OUT kind text)
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF p_user IS NULL OR p_tenant IS NULL THEN
        RAISE EXCEPTION 'not a member of this tenant' USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('SET LOCAL app.user_id = %L', p_user);
    EXECUTE 'SET LOCAL app.tenant_id = ''''';
    EXECUTE 'SET LOCAL app.tenant_ids = ''''';
    SELECT m.role INTO role FROM memberships m WHERE m.tenant_id = p_tenant AND m.user_id = p_user;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'not a member of this tenant' USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('SET LOCAL app.tenant_id = %L', p_tenant);
    SELECT t.kind INTO kind FROM tenants t WHERE t.id = p_tenant;
END
$$;
-- +goose StatementEnd

-- user_context opens a user-level transaction: the user's own memberships,
-- and the tenants they belong to, and no tenant's tasks.
-- +goose StatementBegin
CREATE FUNCTION user_context(p_user uuid)
    RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    ids uuid[];
BEGIN
    IF p_user IS NULL THEN
        RAISE EXCEPTION 'no user' USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('SET LOCAL app.user_id = %L', p_user);
    EXECUTE 'SET LOCAL app.tenant_id = ''''';
    SELECT coalesce(array_agg(m.tenant_id), '{}') INTO ids FROM memberships m WHERE m.user_id = p_user;
    EXECUTE format('SET LOCAL app.tenant_ids = %L', ids);
END
$$;
-- +goose StatementEnd

-- create_tenant makes a new tenant with p_user as its owner and leaves the
-- transaction in its context. A tenant id in use fails on the primary key
-- (ids are UUIDv7 chosen by the server), so it never opens an existing tenant.
-- +goose StatementBegin
CREATE FUNCTION create_tenant(p_user uuid, p_tenant uuid, p_kind text, p_name text, p_created_at timestamptz)
    RETURNS void
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    IF p_user IS NULL OR p_tenant IS NULL OR (p_kind = 'personal' AND p_tenant <> p_user) THEN
        RAISE EXCEPTION 'invalid tenant' USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('SET LOCAL app.user_id = %L', p_user);
    EXECUTE 'SET LOCAL app.tenant_ids = ''''';
    EXECUTE format('SET LOCAL app.tenant_id = %L', p_tenant);
    INSERT INTO tenants (id, kind, name, created_at) VALUES (p_tenant, p_kind, p_name, p_created_at);
    INSERT INTO memberships (tenant_id, user_id, role, created_at) VALUES (p_tenant, p_user, 'owner', p_created_at);
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION tenant_context(uuid, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION user_context(uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION create_tenant(uuid, uuid, text, text, timestamptz) FROM PUBLIC;

-- +goose Down
DROP FUNCTION create_tenant(uuid, uuid, text, text, timestamptz);
DROP FUNCTION user_context(uuid);
DROP FUNCTION tenant_context(uuid, uuid);
DROP POLICY tasks_delete ON tasks;
DROP POLICY tasks_update ON tasks;
DROP POLICY tasks_insert ON tasks;
DROP POLICY tasks_select ON tasks;
DROP POLICY memberships_delete ON memberships;
DROP POLICY memberships_update ON memberships;
DROP POLICY memberships_insert ON memberships;
DROP POLICY memberships_select ON memberships;
DROP POLICY tenants_delete ON tenants;
DROP POLICY tenants_update ON tenants;
DROP POLICY tenants_insert ON tenants;
DROP POLICY tenants_select ON tenants;
ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY;
ALTER TABLE tasks DISABLE ROW LEVEL SECURITY;
ALTER TABLE memberships NO FORCE ROW LEVEL SECURITY;
ALTER TABLE memberships DISABLE ROW LEVEL SECURITY;
ALTER TABLE tenants NO FORCE ROW LEVEL SECURITY;
ALTER TABLE tenants DISABLE ROW LEVEL SECURITY;
