-- name: CreateUser :one
INSERT INTO users (id, email, password_hash, created_at)
VALUES (@id, @email, @password_hash, @created_at)
RETURNING id, email, password_hash, auth_version, created_at;

-- name: UserByEmail :one
SELECT id, email, password_hash, auth_version, created_at FROM users WHERE email = @email;

-- name: UserByID :one
SELECT id, email, password_hash, auth_version, created_at FROM users WHERE id = @id;

-- name: DeleteUser :execrows
DELETE FROM users WHERE id = @id;

-- name: SetPassword :one
UPDATE users SET password_hash = @password_hash, auth_version = auth_version + 1
WHERE id = @id
RETURNING id, email, password_hash, auth_version, created_at;

-- name: TokenUser :one
SELECT u.id, u.email, u.password_hash, u.auth_version, u.created_at,
       EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.token_id = @token_id) AS revoked
FROM users u WHERE u.id = @id;

-- name: RevokeToken :exec
INSERT INTO revoked_tokens (token_id, expires_at) VALUES (@token_id, @expires_at)
ON CONFLICT (token_id) DO UPDATE SET expires_at = greatest(revoked_tokens.expires_at, excluded.expires_at);

-- name: DeleteExpiredRevocations :exec
DELETE FROM revoked_tokens WHERE expires_at < @now;
