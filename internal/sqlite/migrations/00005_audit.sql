-- The audit log: who did what in a tenant, when, from which address and
-- request. Entries are only added and read by the application.

-- +goose Up
CREATE TABLE audit_entries (
    tenant_id     BLOB    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id            BLOB    NOT NULL,
    at            INTEGER NOT NULL,
    actor_user_id BLOB    NOT NULL,
    action        TEXT    NOT NULL CHECK (action <> '' AND length(action) <= 64),
    target_type   TEXT    NOT NULL,
    target_id     TEXT    NOT NULL,
    ip            TEXT    NOT NULL,
    request_id    TEXT    NOT NULL,
    details       TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, id)
) WITHOUT ROWID;

CREATE INDEX audit_entries_at ON audit_entries (tenant_id, at);

-- +goose Down
DROP TABLE audit_entries;
