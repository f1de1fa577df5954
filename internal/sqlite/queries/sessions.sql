-- name: CreateSession :exec
INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at)
VALUES (sqlc.arg(id_hash), sqlc.arg(user_id), sqlc.arg(created_at), sqlc.arg(last_seen_at), sqlc.arg(expires_at));

-- name: SessionUser :one
SELECT s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at,
       u.email, u.password_hash, u.auth_version, u.created_at AS user_created_at
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.id_hash = sqlc.arg(id_hash);

-- name: TouchSession :exec
UPDATE sessions
SET last_seen_at = sqlc.arg(last_seen_at)
WHERE id_hash = sqlc.arg(id_hash);

-- name: DeleteSession :exec
DELETE FROM sessions
WHERE id_hash = sqlc.arg(id_hash);

-- name: DeleteUserSessions :exec
DELETE FROM sessions
WHERE user_id = sqlc.arg(user_id);

-- name: TrimUserSessions :execrows
DELETE FROM sessions
WHERE sessions.user_id = sqlc.arg(user_id) AND sessions.id_hash NOT IN (
    SELECT s.id_hash FROM sessions s WHERE s.user_id = sqlc.arg(user_id)
    ORDER BY s.created_at DESC, s.id_hash DESC LIMIT sqlc.arg(keep)
);

-- name: PurgeSessions :execrows
DELETE FROM sessions WHERE expires_at <= sqlc.arg(now) OR last_seen_at < sqlc.arg(idle_since);
