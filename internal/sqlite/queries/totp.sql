-- name: SetTOTPSecret :execrows
INSERT INTO totp (user_id, secret, created_at)
VALUES (sqlc.arg(user_id), sqlc.arg(secret), sqlc.arg(created_at))
ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0
WHERE totp.enabled = 0;

-- name: UserTOTP :one
SELECT user_id, secret, enabled, last_step, created_at
FROM totp
WHERE user_id = sqlc.arg(user_id);

-- name: EnableTOTP :execrows
UPDATE totp
SET enabled = 1, last_step = sqlc.arg(step)
WHERE user_id = sqlc.arg(user_id) AND enabled = 0 AND last_step < sqlc.arg(step);

-- name: UseTOTPStep :execrows
UPDATE totp
SET last_step = sqlc.arg(step)
WHERE user_id = sqlc.arg(user_id) AND enabled = 1 AND last_step < sqlc.arg(step);

-- name: AddRecoveryCode :exec
INSERT INTO recovery_codes (user_id, code_hash)
VALUES (sqlc.arg(user_id), sqlc.arg(code_hash));

-- name: UseRecoveryCode :execrows
DELETE FROM recovery_codes
WHERE user_id = sqlc.arg(user_id) AND code_hash = sqlc.arg(code_hash);

-- name: DeleteRecoveryCodes :exec
DELETE FROM recovery_codes
WHERE user_id = sqlc.arg(user_id);

-- name: DeleteTOTP :exec
DELETE FROM totp
WHERE user_id = sqlc.arg(user_id);
