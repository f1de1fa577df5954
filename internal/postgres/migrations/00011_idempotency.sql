-- An Idempotency-Key's first answer, kept so that a replay of the same
-- create by the same caller in the same tenant answers it again without a
-- second write. The key is reserved in the transaction of the write: a
-- concurrent replay waits on the unique key and then reads the answer.

-- +goose Up
CREATE TABLE idempotency_keys (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL,
    key        text        NOT NULL,
    body_hash  bytea       NOT NULL,
    status     integer     NOT NULL DEFAULT 0,
    body       bytea       NOT NULL DEFAULT ''::bytea,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id, key)
);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE idempotency_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY idempotency_keys_select ON idempotency_keys FOR SELECT
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY idempotency_keys_insert ON idempotency_keys FOR INSERT
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY idempotency_keys_update ON idempotency_keys FOR UPDATE
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY idempotency_keys_delete ON idempotency_keys FOR DELETE
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- +goose Down
DROP TABLE idempotency_keys;
