-- API tokens: a user's long-lived credentials for scripts, each for one
-- tenant the user belongs to. The secret is kept only as its SHA-256. The
-- key (tenant_id, user_id) references the membership, so a token is deleted
-- with it: a member removed, or a user deleted, leaves no token behind.

-- +goose Up

CREATE TABLE api_tokens (
    tenant_id    BLOB    NOT NULL,
    id           BLOB    NOT NULL,
    user_id      BLOB    NOT NULL,
    name         TEXT    NOT NULL,
    scope        TEXT    NOT NULL CHECK (scope IN ('read', 'write')),
    secret_hash  BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    last_used_at INTEGER,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE INDEX api_tokens_user ON api_tokens (user_id, id);

-- Two-factor sign-in (TOTP): the secret, pending until a first code
-- confirms it, the last time step accepted (no code works twice), and the
-- recovery codes as SHA-256 (each is 80 random bits).

CREATE TABLE totp (
    user_id    BLOB    NOT NULL PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     TEXT    NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 0,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE recovery_codes (
    user_id   BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;

-- +goose Down

DROP TABLE recovery_codes;

DROP TABLE totp;

DROP TABLE api_tokens;
