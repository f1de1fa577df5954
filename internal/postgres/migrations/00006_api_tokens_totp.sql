-- API tokens: a user's long-lived credentials for scripts, each for one
-- tenant the user belongs to. The secret is kept only as its SHA-256.
--
-- The key (tenant_id, user_id) references the membership, so a token is
-- deleted with it: a member removed, or a user deleted, leaves no token
-- behind. The table has a tenant_id, so it has row-level security like every
-- tenant table, by user: a user-level context (user_context) sees and
-- changes only the user's own tokens and inserts only for a tenant the user
-- belongs to; a tenant context sees the user's token for that tenant only.
-- A request presenting a token has no context yet: api_token_use finds the
-- live token by its hash and records its use, through the one setting
-- app.token_hash (hex), which it sets and clears itself: a role that sets
-- it by hand reaches only the token whose secret it already holds.

-- +goose Up
CREATE TABLE api_tokens (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    user_id      uuid        NOT NULL,
    name         text        NOT NULL,
    scope        text        NOT NULL CHECK (scope IN ('read', 'write')),
    secret_hash  bytea       NOT NULL CONSTRAINT api_tokens_secret_hash_key UNIQUE,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT api_tokens_membership_fkey FOREIGN KEY (tenant_id, user_id)
        REFERENCES memberships (tenant_id, user_id) ON DELETE CASCADE
);

CREATE INDEX api_tokens_user_id_id_idx ON api_tokens (user_id, id);

ALTER TABLE api_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE api_tokens FORCE ROW LEVEL SECURITY;

CREATE POLICY api_tokens_select ON api_tokens FOR SELECT
    USING ((user_id = nullif(current_setting('app.user_id', true), '')::uuid
            AND (nullif(current_setting('app.tenant_id', true), '') IS NULL
                 OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid))
        OR secret_hash = decode(nullif(current_setting('app.token_hash', true), ''), 'hex'));
CREATE POLICY api_tokens_update ON api_tokens FOR UPDATE
    USING (secret_hash = decode(nullif(current_setting('app.token_hash', true), ''), 'hex'))
    WITH CHECK (secret_hash = decode(nullif(current_setting('app.token_hash', true), ''), 'hex'));
CREATE POLICY api_tokens_insert ON api_tokens FOR INSERT
    WITH CHECK (user_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND tenant_id = ANY (nullif(current_setting('app.tenant_ids', true), '')::uuid[]));
CREATE POLICY api_tokens_delete ON api_tokens FOR DELETE
    USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid
        AND (nullif(current_setting('app.tenant_id', true), '') IS NULL
             OR tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid));

-- api_token_use returns the live token whose secret hashes to p_hash, and
-- sets its last_used_at to p_now when it is p_stale or older.
-- +goose StatementBegin
CREATE FUNCTION api_token_use(p_hash bytea, p_now timestamptz, p_stale timestamptz)
    RETURNS SETOF api_tokens
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
BEGIN
    PERFORM set_config('app.token_hash', encode(p_hash, 'hex'), true);
    UPDATE api_tokens SET last_used_at = p_now
    WHERE secret_hash = p_hash AND (expires_at IS NULL OR expires_at > p_now)
      AND (last_used_at IS NULL OR last_used_at <= p_stale);
    RETURN QUERY SELECT * FROM api_tokens
    WHERE secret_hash = p_hash AND (expires_at IS NULL OR expires_at > p_now);
    PERFORM set_config('app.token_hash', '', true);
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION api_token_use(bytea, timestamptz, timestamptz) FROM PUBLIC;

-- Two-factor sign-in (TOTP, RFC 6238): a user's secret, pending until a
-- first code confirms it, the last time step a code was accepted for (so
-- that no code is accepted twice), and the recovery codes, kept as SHA-256
-- (each is 80 random bits). Credentials of a user, no tenant's: no
-- tenant_id and no row-level security, as sessions.
CREATE TABLE totp (
    user_id    uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     text        NOT NULL,
    enabled    boolean     NOT NULL DEFAULT false,
    last_step  bigint      NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL
);

CREATE TABLE recovery_codes (
    user_id   uuid  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL,
    PRIMARY KEY (user_id, code_hash)
);

-- +goose Down
DROP TABLE recovery_codes;
DROP TABLE totp;
DROP FUNCTION api_token_use(bytea, timestamptz, timestamptz);
DROP TABLE api_tokens;
