-- The audit log: who did what in a tenant, when, from which address and
-- request. The application role may only add and read entries (the grants
-- in migrate.go give it SELECT and INSERT, the policies allow no more), so
-- a compromised application cannot rewrite the past. Old entries are
-- pruned by prune_audit, run by the owner's definer rights.

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

-- +goose Down
DROP TABLE audit_entries;
