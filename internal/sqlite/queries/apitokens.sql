-- name: CreateAPIToken :exec
INSERT INTO api_tokens (tenant_id, id, user_id, name, scope, secret_hash, created_at, expires_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(user_id), sqlc.arg(name), sqlc.arg(scope),
        sqlc.arg(secret_hash), sqlc.arg(created_at), sqlc.arg(expires_at));

-- name: APITokens :many
SELECT tenant_id, id, user_id, name, scope, secret_hash, created_at, expires_at, last_used_at
FROM api_tokens
WHERE user_id = sqlc.arg(user_id)
ORDER BY id;

-- name: DeleteAPIToken :one
DELETE FROM api_tokens
WHERE user_id = sqlc.arg(user_id) AND id = sqlc.arg(id)
RETURNING id, name;

-- name: DeleteAPITokens :many
DELETE FROM api_tokens
WHERE user_id = sqlc.arg(user_id)
RETURNING id, name;

-- name: TouchAPIToken :exec
UPDATE api_tokens
SET last_used_at = CAST(sqlc.arg(now) AS INTEGER)
WHERE secret_hash = sqlc.arg(secret_hash)
  AND (expires_at IS NULL OR expires_at > CAST(sqlc.arg(now) AS INTEGER))
  AND (last_used_at IS NULL OR last_used_at <= CAST(sqlc.arg(stale) AS INTEGER));

-- name: UseAPIToken :one
SELECT t.tenant_id, t.id, t.user_id, t.name, t.scope, t.secret_hash, t.created_at, t.expires_at, t.last_used_at,
       u.email, u.password_hash, u.auth_version, u.created_at AS user_created_at
FROM api_tokens t
JOIN users u ON u.id = t.user_id
WHERE t.secret_hash = sqlc.arg(secret_hash) AND (t.expires_at IS NULL OR t.expires_at > CAST(sqlc.arg(now) AS INTEGER));
