-- Queries on memberships. Each one names its tenant (wall one), and runs
-- inside a transaction opened by tenant_context (wall two). Tenant
-- conditions are written "tenant_id = $n" so that postgrestest.Unfiltered
-- can find and drop them.

-- name: Members :many
-- The first page of members, oldest membership first, tie-broken by user id.
SELECT m.tenant_id, m.user_id, u.email, m.role, m.created_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = @tenant_id
ORDER BY m.created_at, m.user_id
LIMIT @lim;

-- name: MembersAfter :many
-- The page after the member @after. If that member has left, the cursor
-- names no row and the page is empty.
SELECT m.tenant_id, m.user_id, u.email, m.role, m.created_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = @tenant_id
  AND (m.created_at, m.user_id) > (SELECT a.created_at, a.user_id FROM memberships a WHERE a.tenant_id = @tenant_id AND a.user_id = @after)
ORDER BY m.created_at, m.user_id
LIMIT @lim;

-- name: Member :one
SELECT m.tenant_id, m.user_id, u.email, m.role, m.created_at
FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.tenant_id = @tenant_id AND m.user_id = @user_id;

-- name: IsMember :one
SELECT EXISTS (SELECT 1 FROM memberships m WHERE m.tenant_id = @tenant_id AND m.user_id = @user_id);

-- name: CountMembers :one
SELECT count(*) AS members, count(*) FILTER (WHERE m.role = 'owner') AS owners
FROM memberships m WHERE m.tenant_id = @tenant_id;

-- name: AddMember :one
INSERT INTO memberships (tenant_id, user_id, role, created_at)
VALUES (@tenant_id, @user_id, @role, @created_at)
ON CONFLICT (tenant_id, user_id) DO NOTHING
RETURNING tenant_id, user_id, role, created_at;

-- name: SetRole :one
UPDATE memberships SET role = @role
WHERE tenant_id = @tenant_id AND user_id = @user_id
RETURNING tenant_id, user_id, role, created_at;

-- name: RemoveMember :execrows
DELETE FROM memberships WHERE tenant_id = @tenant_id AND user_id = @user_id;

-- name: UnassignTasks :exec
UPDATE tasks SET assigned_user_id = NULL, updated_at = @updated_at
WHERE tenant_id = @tenant_id AND assigned_user_id = @user_id;
