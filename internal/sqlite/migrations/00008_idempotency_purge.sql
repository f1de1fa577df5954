-- The background purge of expired Idempotency-Keys deletes every tenant's
-- keys older than a day (see the PostgreSQL migration 00013); the index
-- keeps it from reading every live key.

-- +goose Up
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

-- +goose Down
DROP INDEX idempotency_keys_created_at;
