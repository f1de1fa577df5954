-- A refused cross-tenant attempt is recorded in the tenant it named, whose
-- member the caller is not, so no tenant_context admits the row. The
-- application never sets a tenant it has not checked; audit_denied is the
-- one way to write there, and writes only this: an entry of action
-- access.denied, and nothing for a tenant that does not exist. It sets
-- app.tenant_id for itself alone and puts the caller's value back before it
-- returns (an error aborts the transaction, settings and all; a SET clause
-- on the function would do the same, but a plain owner may not attach one
-- for an app.* setting), so the policies that hold everywhere admit the
-- tenant row it looks for and the entry it adds: no policy is added, and the
-- owner still sees nothing without a context. Like prune_audit it runs with
-- the owner's rights. On Citus a SECURITY DEFINER function cannot share a
-- transaction with the application role's writes, and SET LOCAL reaches the
-- workers only in a transaction block: the store calls it in a transaction
-- of its own.

-- +goose Up
-- audit_denied records that p_actor was refused in p_tenant, and says
-- whether the tenant exists (and so whether anything was written).
-- +goose StatementBegin
CREATE FUNCTION audit_denied(p_tenant uuid, p_id uuid, p_at timestamptz, p_actor uuid, p_target_type text,
                             p_target_id text, p_ip text, p_request_id text, p_details jsonb) RETURNS boolean
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    prior text := coalesce(current_setting('app.tenant_id', true), '');
    known boolean;
BEGIN
    EXECUTE format('SET LOCAL app.tenant_id = %L', p_tenant);
    known := EXISTS (SELECT 1 FROM tenants WHERE id = p_tenant);
    IF known THEN
        INSERT INTO audit_entries (tenant_id, id, at, actor_user_id, action, target_type, target_id, ip, request_id, details)
        VALUES (p_tenant, p_id, p_at, p_actor, 'access.denied', p_target_type, p_target_id, p_ip, p_request_id, p_details);
    END IF;
    EXECUTE format('SET LOCAL app.tenant_id = %L', prior);
    RETURN known;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION audit_denied(uuid, uuid, timestamptz, uuid, text, text, text, text, jsonb) FROM PUBLIC;

-- +goose Down
DROP FUNCTION audit_denied(uuid, uuid, timestamptz, uuid, text, text, text, text, jsonb);
