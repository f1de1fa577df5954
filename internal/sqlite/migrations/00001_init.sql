-- +goose Up

-- Storage formats, chosen for speed:
--   * ids (UUIDv7) are 16-byte BLOBs: half the size of the 36-character text
--     form, so keys and indexes are smaller and compare with one memcmp. BLOBs
--     sort by bytes, which for UUIDv7 is creation order, so keyset paging is
--     `id > ?` on the primary key.
--   * times are INTEGER unix microseconds (UTC): 8 bytes, no parsing on read,
--     exact to the microsecond (PostgreSQL's precision), and they sort as
--     numbers.
--   * booleans are INTEGER 0/1.
-- tasks, memberships, sessions and revoked_tokens are WITHOUT ROWID tables clustered on their primary
-- key (tenant_id first where there is one): one tenant's rows sit together on a few pages, so a
-- page of 50 tasks is one b-tree range scan instead of 50 rowid look-ups
-- scattered across the file.

CREATE TABLE users (
    id            BLOB    NOT NULL PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    auth_version  INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL
);

CREATE TABLE tenants (
    id         BLOB    NOT NULL PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('personal', 'org')),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
    tenant_id  BLOB    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
) WITHOUT ROWID;

CREATE INDEX memberships_user_tenant ON memberships (user_id, tenant_id);

CREATE TABLE tasks (
    tenant_id        BLOB    NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               BLOB    NOT NULL,
    title            TEXT    NOT NULL,
    description      TEXT,
    completed        BOOLEAN NOT NULL DEFAULT 0,
    assigned_user_id BLOB,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, assigned_user_id) REFERENCES memberships (tenant_id, user_id)
) WITHOUT ROWID;

CREATE INDEX tasks_tenant_created ON tasks (tenant_id, created_at);

CREATE INDEX tasks_tenant_completed ON tasks (tenant_id, completed, id);

CREATE TABLE sessions (
    id_hash      BLOB    NOT NULL PRIMARY KEY,
    user_id      BLOB    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE revoked_tokens (
    token_id   TEXT    NOT NULL PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE INDEX revoked_tokens_expires ON revoked_tokens (expires_at);

-- +goose Down

DROP TABLE revoked_tokens;

DROP TABLE sessions;

DROP TABLE tasks;

DROP TABLE memberships;

DROP TABLE tenants;

DROP TABLE users;
