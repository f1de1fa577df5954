-- name: CreateInvitation :exec
INSERT INTO invitations (tenant_id, id, email, role, token_hash, invited_by, created_at, expires_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(email), sqlc.arg(role), sqlc.arg(token_hash),
        sqlc.arg(invited_by), sqlc.arg(created_at), sqlc.arg(expires_at));

-- name: Invitations :many
SELECT tenant_id, id, email, role, invited_by, created_at, expires_at
FROM invitations
WHERE tenant_id = sqlc.arg(tenant_id) AND accepted_at IS NULL AND revoked_at IS NULL
    AND expires_at > sqlc.arg(now) AND id > sqlc.arg(after)
ORDER BY id
LIMIT sqlc.arg(limit);

-- name: RevokeInvitation :execrows
UPDATE invitations SET revoked_at = sqlc.arg(now)
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id) AND accepted_at IS NULL AND revoked_at IS NULL
    AND expires_at > sqlc.arg(now);

-- name: InvitationByToken :one
-- SQLite only: PostgreSQL's accept_invitation() does this work.
SELECT id, email, role, expires_at, accepted_by, accepted_at, revoked_at
FROM invitations
WHERE tenant_id = sqlc.arg(tenant_id) AND token_hash = sqlc.arg(token_hash);

-- name: MarkInvitationAccepted :exec
-- SQLite only, with InvitationByToken.
UPDATE invitations SET accepted_by = sqlc.arg(accepted_by), accepted_at = sqlc.arg(now)
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);
