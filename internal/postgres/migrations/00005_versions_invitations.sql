-- A task's version counts its changes, so a client can say which one it
-- edited (If-Match) and a stale edit is refused rather than kept.
--
-- An invitation asks an email to join a tenant with a role. Its token is
-- random, shown once and kept only as its SHA-256; the token carries the
-- tenant's id, so every key here leads with tenant_id (Citus can route by it)
-- and accepting finds the row by (tenant_id, token_hash). Accepting is done by
-- accept_invitation, since the accepting user is not yet a member.

-- +goose Up
ALTER TABLE tasks ADD COLUMN version bigint NOT NULL DEFAULT 1;

CREATE TABLE invitations (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id          uuid        NOT NULL,
    email       text        NOT NULL,
    role        text        NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    token_hash  bytea       NOT NULL,
    invited_by  uuid        NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    accepted_by uuid,
    accepted_at timestamptz,
    revoked_at  timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT invitations_token_key UNIQUE (tenant_id, token_hash)
);

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY invitations_select ON invitations FOR SELECT
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY invitations_insert ON invitations FOR INSERT
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY invitations_update ON invitations FOR UPDATE
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
CREATE POLICY invitations_delete ON invitations FOR DELETE
    USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

-- accept_invitation makes p_user a member of p_tenant with the invitation's
-- role when the token's hash names a pending, unexpired invitation there for
-- p_user's email, and leaves the transaction in the tenant's context (the
-- user now is a member, as after create_tenant). An invitation this user
-- already accepted answers their current role and changes nothing. Anything
-- else (no such token, another email, expired, revoked, accepted by someone
-- else) raises no_data_found, one answer for all, and sets no tenant.
-- +goose StatementBegin
CREATE FUNCTION accept_invitation(p_user uuid, p_tenant uuid, p_token_hash bytea, p_now timestamptz, OUT role text)
    LANGUAGE plpgsql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
DECLARE
    v_email text;
    inv invitations%ROWTYPE;
BEGIN
    IF p_user IS NULL OR p_tenant IS NULL OR p_token_hash IS NULL THEN
        RAISE EXCEPTION 'invitation not found' USING ERRCODE = 'no_data_found';
    END IF;
    SELECT u.email INTO v_email FROM users u WHERE u.id = p_user;
    EXECUTE format('SET LOCAL app.user_id = %L', p_user);
    EXECUTE 'SET LOCAL app.tenant_ids = ''''';
    EXECUTE format('SET LOCAL app.tenant_id = %L', p_tenant);
    SELECT * INTO inv FROM invitations i
    WHERE i.tenant_id = p_tenant AND i.token_hash = p_token_hash
    FOR UPDATE;
    IF NOT FOUND OR v_email IS NULL OR inv.email <> v_email OR inv.revoked_at IS NOT NULL
        OR (inv.accepted_at IS NOT NULL AND inv.accepted_by <> p_user)
        OR (inv.accepted_at IS NULL AND inv.expires_at <= p_now) THEN
        RAISE EXCEPTION 'invitation not found' USING ERRCODE = 'no_data_found';
    END IF;
    IF inv.accepted_at IS NULL THEN
        INSERT INTO memberships (tenant_id, user_id, role, created_at)
        VALUES (p_tenant, p_user, inv.role, p_now)
        ON CONFLICT (tenant_id, user_id) DO NOTHING;
        UPDATE invitations SET accepted_by = p_user, accepted_at = p_now
        WHERE tenant_id = p_tenant AND id = inv.id;
    END IF;
    SELECT m.role INTO role FROM memberships m WHERE m.tenant_id = p_tenant AND m.user_id = p_user;
    IF NOT FOUND THEN
        -- Accepted once, and removed since: the invitation is used up.
        RAISE EXCEPTION 'invitation not found' USING ERRCODE = 'no_data_found';
    END IF;
END
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION accept_invitation(uuid, uuid, bytea, timestamptz) FROM PUBLIC;

-- +goose Down
DROP FUNCTION accept_invitation(uuid, uuid, bytea, timestamptz);
DROP TABLE invitations;
ALTER TABLE tasks DROP COLUMN version;
