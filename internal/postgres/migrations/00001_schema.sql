-- Tenantry's tables. Every key on tenant data leads with tenant_id, so that
-- unique and foreign-key checks (which bypass row-level security) can only
-- ever compare rows of one tenant, and so the schema can be distributed by
-- tenant_id without a rewrite.

-- +goose Up

-- users, sessions and revoked_tokens hold accounts and credentials, which no
-- tenant owns: a user exists outside every tenant and must be found by email
-- at login, before any tenant context can exist. They carry no tenant data,
-- so they have no row-level security; wall one (the Store interface) is
-- what keeps them per user.
CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    email         text        NOT NULL CONSTRAINT users_email_key UNIQUE CHECK (email = lower(email)),
    password_hash text        NOT NULL,
    auth_version  bigint      NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL
);

CREATE TABLE tenants (
    id         uuid        PRIMARY KEY,
    kind       text        NOT NULL CHECK (kind IN ('personal', 'org')),
    name       text        NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE memberships (
    tenant_id  uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);

CREATE INDEX memberships_user_id_tenant_id_idx ON memberships (user_id, tenant_id);

CREATE TABLE tasks (
    tenant_id        uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id               uuid        NOT NULL,
    title            text        NOT NULL,
    description      text,
    completed        boolean     NOT NULL DEFAULT false,
    assigned_user_id uuid,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, id),
    -- The store unassigns a member's tasks before removing the member; SET
    -- NULL of the one column is the safety net for cascades (user deletion).
    CONSTRAINT tasks_assignee_fkey FOREIGN KEY (tenant_id, assigned_user_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (assigned_user_id)
);

CREATE INDEX tasks_tenant_id_created_at_idx ON tasks (tenant_id, created_at);

CREATE INDEX tasks_tenant_id_completed_id_idx ON tasks (tenant_id, completed, id);

CREATE TABLE sessions (
    id_hash      bytea       PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);

CREATE TABLE revoked_tokens (
    token_id   text        PRIMARY KEY,
    expires_at timestamptz NOT NULL
);

CREATE INDEX revoked_tokens_expires_at_idx ON revoked_tokens (expires_at);

-- +goose Down
DROP TABLE revoked_tokens;
DROP TABLE sessions;
DROP TABLE tasks;
DROP TABLE memberships;
DROP TABLE tenants;
DROP TABLE users;
