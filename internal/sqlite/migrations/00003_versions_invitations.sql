-- A task's version counts its changes, so a client can say which one it
-- edited (If-Match) and a stale edit is refused rather than kept.
--
-- An invitation asks an email to join a tenant with a role; its token is
-- kept only as its SHA-256 and carries the tenant's id, so it is found by
-- (tenant_id, token_hash).

-- +goose Up
ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

CREATE TABLE invitations (
    tenant_id   BLOB    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          BLOB    NOT NULL,
    email       TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    token_hash  BLOB    NOT NULL,
    invited_by  BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_by BLOB,
    accepted_at INTEGER,
    revoked_at  INTEGER,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, token_hash)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE invitations;
ALTER TABLE tasks DROP COLUMN version;
