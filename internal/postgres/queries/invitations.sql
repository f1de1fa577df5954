-- name: CreateInvitation :one
INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, created_at, expires_at)
VALUES (@tenant_id, @id, @email, @role, @token_hash, @invited_by, @created_at, @expires_at)
RETURNING tenant_id, id, email, role, invited_by, created_at, expires_at;

-- name: Invitations :many
SELECT tenant_id, id, email, role, invited_by, created_at, expires_at
FROM invitations
WHERE tenant_id = @tenant_id AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > @now AND id > @after
ORDER BY id LIMIT @lim;

-- name: RevokeInvitation :execrows
UPDATE invitations SET revoked_at = @now::timestamptz
WHERE tenant_id = @tenant_id AND id = @id AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > @now;
