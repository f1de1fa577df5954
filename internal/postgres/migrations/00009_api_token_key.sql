-- An API token's secret hash is unique within its tenant, as every key of a
-- tenant table leads with tenant_id (Citus can hold no other unique key on
-- a table distributed by tenant_id; the schema rule test checks it). The
-- look-up by hash alone, before the tenant is known, uses a plain index: a
-- hash is the SHA-256 of 32 random bytes, so two tokens never share one.

-- +goose Up
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_secret_hash_key;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_secret_hash_key UNIQUE (tenant_id, secret_hash);
CREATE INDEX api_tokens_secret_hash_idx ON api_tokens (secret_hash);

-- +goose Down
DROP INDEX api_tokens_secret_hash_idx;
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_secret_hash_key;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_secret_hash_key UNIQUE (secret_hash);
