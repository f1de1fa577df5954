-- name: CreateMembership :exec
INSERT INTO memberships (tenant_id, user_id, role, created_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(user_id), sqlc.arg(role), sqlc.arg(created_at));

-- name: Members :many
SELECT m.tenant_id, m.user_id, u.email, m.role, m.created_at
FROM memberships m
JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = sqlc.arg(tenant_id)
ORDER BY m.created_at, m.user_id;

-- name: Member :one
SELECT m.tenant_id, m.user_id, u.email, m.role, m.created_at
FROM memberships m
JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = sqlc.arg(tenant_id) AND m.user_id = sqlc.arg(user_id);

-- name: IsMember :one
SELECT EXISTS (
    SELECT 1 FROM memberships WHERE tenant_id = sqlc.arg(tenant_id) AND user_id = sqlc.arg(user_id)
) AS is_member;

-- name: CountOwners :one
SELECT count(*)
FROM memberships
WHERE tenant_id = sqlc.arg(tenant_id) AND role = 'owner';

-- name: SetRole :execrows
UPDATE memberships
SET role = sqlc.arg(role)
WHERE tenant_id = sqlc.arg(tenant_id) AND user_id = sqlc.arg(user_id);

-- name: DeleteMember :execrows
DELETE FROM memberships
WHERE tenant_id = sqlc.arg(tenant_id) AND user_id = sqlc.arg(user_id);

-- name: UnassignTasks :exec
UPDATE tasks
SET assigned_user_id = NULL, updated_at = sqlc.arg(updated_at)
WHERE tenant_id = sqlc.arg(tenant_id) AND assigned_user_id = sqlc.arg(user_id);
