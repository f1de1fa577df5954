-- An Idempotency-Key's first answer, kept so that a replay of the same
-- create by the same caller in the same tenant answers it again without a
-- second write (see the PostgreSQL migration 00011).

-- +goose Up
CREATE TABLE idempotency_keys (
    tenant_id  BLOB    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    BLOB    NOT NULL,
    key        TEXT    NOT NULL,
    body_hash  BLOB    NOT NULL,
    status     INTEGER NOT NULL DEFAULT 0,
    body       BLOB    NOT NULL DEFAULT x'',
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id, key)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE idempotency_keys;
