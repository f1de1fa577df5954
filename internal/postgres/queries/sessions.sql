-- name: CreateSession :exec
INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at)
VALUES (@id_hash, @user_id, @created_at, @last_seen_at, @expires_at);

-- name: TouchSession :one
WITH s AS (
    UPDATE sessions SET last_seen_at = @now
    WHERE sessions.id_hash = @id_hash AND sessions.expires_at > @now AND sessions.last_seen_at > @idle_since
    RETURNING sessions.id_hash, sessions.user_id, sessions.created_at, sessions.last_seen_at, sessions.expires_at
)
SELECT s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at,
       u.email, u.password_hash, u.auth_version, u.created_at AS user_created_at
FROM s JOIN users u ON u.id = s.user_id;

-- name: DeleteSession :exec
DELETE FROM sessions WHERE id_hash = @id_hash;

-- name: DeleteUserSessions :exec
DELETE FROM sessions WHERE user_id = @user_id;

-- name: LockUserSessions :one
-- Serializes the creation of one user's sessions, so that the cap holds
-- under concurrent sign-ins.
SELECT id FROM users WHERE id = @user_id FOR UPDATE;

-- name: TrimUserSessions :execrows
DELETE FROM sessions
WHERE sessions.user_id = @user_id AND sessions.id_hash NOT IN (
    SELECT s.id_hash FROM sessions s WHERE s.user_id = @user_id
    ORDER BY s.created_at DESC, s.id_hash DESC LIMIT @keep
);

-- name: PurgeSessions :execrows
DELETE FROM sessions WHERE expires_at <= @now OR last_seen_at < @idle_since;
