-- name: CreateUser :exec
INSERT INTO users (id, email, password_hash, created_at)
VALUES (sqlc.arg(id), sqlc.arg(email), sqlc.arg(password_hash), sqlc.arg(created_at));

-- name: UserByEmail :one
SELECT id, email, password_hash, auth_version, created_at
FROM users
WHERE email = sqlc.arg(email);

-- name: UserByID :one
SELECT id, email, password_hash, auth_version, created_at
FROM users
WHERE id = sqlc.arg(id);

-- name: SetPassword :one
UPDATE users
SET password_hash = sqlc.arg(password_hash), auth_version = auth_version + 1
WHERE id = sqlc.arg(id)
RETURNING id, email, password_hash, auth_version, created_at;

-- name: DeleteUser :execrows
DELETE FROM users
WHERE id = sqlc.arg(id);

-- name: TokenUser :one
SELECT id, email, password_hash, auth_version, created_at,
       EXISTS (SELECT 1 FROM revoked_tokens WHERE token_id = sqlc.arg(token_id)) AS revoked
FROM users
WHERE id = sqlc.arg(id);

-- name: RevokeToken :exec
INSERT INTO revoked_tokens (token_id, expires_at)
VALUES (sqlc.arg(token_id), sqlc.arg(expires_at))
ON CONFLICT (token_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at);

-- name: DeleteExpiredRevocations :exec
DELETE FROM revoked_tokens
WHERE expires_at < sqlc.arg(now);
