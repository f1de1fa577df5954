-- Announcements to the replicas' token caches (internal/authcache), sent by
-- the database in the transaction that makes the change: PostgreSQL delivers
-- a NOTIFY to every listening session when, and only when, its transaction
-- commits. An announcement sent by the application after the commit, over a
-- connection of its own, was lost whenever that connection was gone (closed
-- by idle_session_timeout, a restart, a network cut), and the other replicas
-- kept accepting a revoked token for their listening TTL.
--
-- The channel is authcache.Channel; the payloads are 'token:<token id>' and
-- 'user:<user id>'. Identical payloads in one transaction are delivered once.
-- A revocation of a revoked token (ON CONFLICT DO UPDATE) is announced too.
-- The functions are SECURITY INVOKER: pg_notify needs no privilege.
-- Memberships are not announced: a cached answer holds the user and the
-- token's revocation, no membership, and every tenant transaction checks
-- the membership in the database.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION announce_token() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM pg_notify('tenantry_auth', 'token:' || NEW.token_id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION announce_user() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('tenantry_auth', 'user:' || OLD.id::text);
    ELSE
        PERFORM pg_notify('tenantry_auth', 'user:' || NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER revoked_tokens_announce AFTER INSERT OR UPDATE ON revoked_tokens
    FOR EACH ROW EXECUTE FUNCTION announce_token();
CREATE TRIGGER users_announce_update AFTER UPDATE ON users
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION announce_user();
CREATE TRIGGER users_announce_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION announce_user();

-- +goose Down
DROP TRIGGER users_announce_delete ON users;
DROP TRIGGER users_announce_update ON users;
DROP TRIGGER revoked_tokens_announce ON revoked_tokens;
DROP FUNCTION announce_user();
DROP FUNCTION announce_token();
