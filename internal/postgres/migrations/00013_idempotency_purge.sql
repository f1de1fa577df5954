-- The background purge of expired Idempotency-Keys. A claim forgets only
-- its own caller's expired keys in its tenant (00011), so the keys of a
-- caller who never comes back were kept for good. The application role sees
-- one tenant's keys at a time (forced RLS), so the purge is a function run
-- with the owner's rights, as prune_audit is (00010): the DELETE policy, and
-- the SELECT one it needs, are for the owner alone. It never deletes a key
-- younger than 24 hours (tenantry.IdempotencyKeep) by the database's clock,
-- whatever it is asked, so a purge cannot make a retry write twice. The
-- index keeps it from reading every live key.

-- +goose Up
-- On Citus, a function may not be created in a transaction after a
-- parallel operation on a distributed table (the index, on every shard):
-- this one's shard commands run one at a time. Plain PostgreSQL keeps the
-- setting as an unused placeholder, for this transaction only.
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- +goose StatementBegin
DO $$
BEGIN
    -- A DELETE with a WHERE also needs the rows to pass a SELECT policy.
    EXECUTE format('CREATE POLICY idempotency_keys_purge ON idempotency_keys FOR DELETE TO %I USING (true)', current_user);
    EXECUTE format('CREATE POLICY idempotency_keys_purge_read ON idempotency_keys FOR SELECT TO %I USING (true)', current_user);
END
$$;
-- +goose StatementEnd

-- purge_idempotency_keys deletes the keys of every tenant and caller made
-- at or before p_expired_at, or more than 24 hours ago if p_expired_at is
-- later, and says how many.
-- +goose StatementBegin
CREATE FUNCTION purge_idempotency_keys(p_expired_at timestamptz) RETURNS bigint
    LANGUAGE sql
    SECURITY DEFINER
    SET search_path = public, pg_temp
AS $$
    WITH gone AS (
        DELETE FROM idempotency_keys WHERE created_at <= least(p_expired_at, now() - interval '24 hours') RETURNING 1
    )
    SELECT count(*) FROM gone;
$$;
-- +goose StatementEnd

REVOKE ALL ON FUNCTION purge_idempotency_keys(timestamptz) FROM PUBLIC;

-- +goose Down
SET LOCAL citus.multi_shard_modify_mode TO 'sequential';
DROP FUNCTION purge_idempotency_keys(timestamptz);
DROP POLICY idempotency_keys_purge_read ON idempotency_keys;
DROP POLICY idempotency_keys_purge ON idempotency_keys;
DROP INDEX idempotency_keys_created_at;
