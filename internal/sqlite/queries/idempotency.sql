-- name: ForgetExpiredIdempotencyKeys :exec
DELETE FROM idempotency_keys
WHERE tenant_id = @tenant_id AND user_id = @user_id AND created_at <= @expired_at;

-- name: ClaimIdempotencyKey :execrows
INSERT INTO idempotency_keys (tenant_id, user_id, key, body_hash, created_at)
VALUES (@tenant_id, @user_id, @key, @body_hash, @created_at)
ON CONFLICT (tenant_id, user_id, key) DO NOTHING;

-- name: IdempotencyKey :one
SELECT body_hash, status, body FROM idempotency_keys
WHERE tenant_id = @tenant_id AND user_id = @user_id AND key = @key;

-- name: SetIdempotentAnswer :exec
UPDATE idempotency_keys SET status = @status, body = @body
WHERE tenant_id = @tenant_id AND user_id = @user_id AND key = @key;

-- name: PurgeIdempotencyKeys :execrows
DELETE FROM idempotency_keys WHERE created_at <= @expired_at;
