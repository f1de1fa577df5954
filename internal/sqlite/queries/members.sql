-- name: AddMember :exec
INSERT INTO memberships (tenant_id, user_id, role, created_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(user_id), sqlc.arg(role), sqlc.arg(created_at));

-- name: Members :many
-- The first page of members, oldest membership first, tie-broken by user id.
SELECT m.tenant_id, m.user_id, u.email, m.role, m.created_at
FROM memberships m
JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = sqlc.arg(tenant_id)
ORDER BY m.created_at, m.user_id
LIMIT sqlc.arg(limit);

-- name: MembersAfter :many
-- The page after the member sqlc.arg(after). If that member has left, the
-- cursor names no row and the page is empty.
SELECT m.tenant_id, m.user_id, u.email, m.role, m.created_at
FROM memberships m
JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = sqlc.arg(tenant_id)
  AND (m.created_at, m.user_id) > (
      SELECT a.created_at, a.user_id FROM memberships a
      WHERE a.tenant_id = sqlc.arg(tenant_id) AND a.user_id = sqlc.arg(after))
ORDER BY m.created_at, m.user_id
LIMIT sqlc.arg(limit);

-- name: Member :one
SELECT m.tenant_id, m.user_id, u.email, m.role, m.created_at
FROM memberships m
JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = sqlc.arg(tenant_id) AND m.user_id = sqlc.arg(user_id);

-- name: IsMember :one
SELECT EXISTS (
    SELECT 1 FROM memberships WHERE tenant_id = sqlc.arg(tenant_id) AND user_id = sqlc.arg(user_id)
) AS is_member;

-- name: CountMembers :one
SELECT count(*) AS members, count(*) FILTER (WHERE role = 'owner') AS owners
FROM memberships
WHERE tenant_id = sqlc.arg(tenant_id);

-- name: SetRole :execrows
UPDATE memberships
SET role = sqlc.arg(role)
WHERE tenant_id = sqlc.arg(tenant_id) AND user_id = sqlc.arg(user_id);

-- name: RemoveMember :execrows
DELETE FROM memberships
WHERE tenant_id = sqlc.arg(tenant_id) AND user_id = sqlc.arg(user_id);

-- name: UnassignTasks :exec
UPDATE tasks
SET assigned_user_id = NULL, updated_at = sqlc.arg(updated_at)
WHERE tenant_id = sqlc.arg(tenant_id) AND assigned_user_id = sqlc.arg(user_id);
