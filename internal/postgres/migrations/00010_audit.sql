-- The audit log: who did what in a tenant, when, from which address and
-- request. The application role may only add and read entries (the grants
-- in migrate.go give it SELECT and INSERT, the policies allow no more), so
-- a compromised application cannot rewrite the past. Old entries are
-- pruned by prune_audit, which runs with the owner's rights: the DELETE
-- policy, and the SELECT one it needs, are for the owner (the role running
-- this migration) alone, and the function never deletes an entry younger
-- than a day, whatever it is asked.

-- +goose Up
CREATE TABLE audit_entries (
    tenant_id     uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id            uuid        NOT NULL,
    at            timestamptz NOT NULL,
    actor_user_id uuid        NOT NULL,
    action        text        NOT NULL CHECK (action <> '' AND length(action) <= 64),
    target_type   text        NOT NULL,
    target_id     text        NOT NULL,
    ip            text        NOT NULL,
    request_id    text        NOT NULL,
    details       jsonb       NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX audit_entries_at ON audit_entries (tenant_id, at);

ALTER TABLE audit_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_entries_select ON audit_entries FOR SELECT
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY audit_entries_insert ON audit_entries FOR INSERT
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- +goose StatementBegin
DO $$
BEGIN
    -- A DELETE with a WHERE also needs the rows to pass a SELECT policy.
    EXECUTE format('CREATE POLICY audit_entries_prune ON audit_entries FOR DELETE TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY audit_entries_prune_read ON audit_entries FOR SELECT TO %I USING (true)', current_user);
END
$$;
-- +goose StatementEnd

-- prune_audit deletes the entries of every tenant older than p_before, or
-- than a day if p_before is later, and says how many.
-- +goose StatementBegin
CREATE FUNCTION prune_audit(p_before timestamptz) RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM audit_entries WHERE at < least(p_before, now() - interval '1 day') RETURNING 1
    )
    SELECT count(*) FROM gone;
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION prune_audit(timestamptz) FROM PUBLIC;

-- +goose Down
DROP FUNCTION prune_audit(timestamptz);
DROP TABLE audit_entries;
