-- name: SetTOTPSecret :execrows
INSERT INTO totp (user_id, secret, created_at) VALUES (@user_id, @secret, @created_at)
ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at, last_step = 0
WHERE NOT totp.enabled;

-- name: UserTOTP :one
SELECT user_id, secret, enabled, last_step, created_at FROM totp WHERE user_id = @user_id;

-- name: EnableTOTP :execrows
UPDATE totp SET enabled = true, last_step = @step
WHERE user_id = @user_id AND NOT enabled AND last_step < @step;

-- name: UseTOTPStep :execrows
UPDATE totp SET last_step = @step
WHERE user_id = @user_id AND enabled AND last_step < @step;

-- name: AddRecoveryCode :exec
INSERT INTO recovery_codes (user_id, code_hash) VALUES (@user_id, @code_hash);

-- name: UseRecoveryCode :execrows
DELETE FROM recovery_codes WHERE user_id = @user_id AND code_hash = @code_hash;

-- name: DeleteRecoveryCodes :exec
DELETE FROM recovery_codes WHERE user_id = @user_id;

-- name: DeleteTOTP :exec
DELETE FROM totp WHERE user_id = @user_id;
