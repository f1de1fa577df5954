-- name: CreateAPIToken :one
INSERT INTO api_tokens (tenant_id, id, user_id, name, scope, secret_hash, created_at, expires_at)
VALUES (@tenant_id, @id, @user_id, @name, @scope, @secret_hash, @created_at, @expires_at)
RETURNING *;

-- name: APITokens :many
SELECT * FROM api_tokens WHERE user_id = @user_id ORDER BY id;

-- name: DeleteAPIToken :one
DELETE FROM api_tokens WHERE user_id = @user_id AND id = @id RETURNING id, name;

-- name: DeleteAPITokens :many
DELETE FROM api_tokens WHERE user_id = @user_id RETURNING id, name;

-- name: UseAPIToken :one
SELECT t.tenant_id, t.id, t.user_id, t.name, t.scope, t.secret_hash, t.created_at, t.expires_at, t.last_used_at,
       u.email, u.password_hash, u.auth_version, u.created_at AS user_created_at
FROM api_token_use(@secret_hash, @now, @stale) t
JOIN users u ON u.id = t.user_id;
