-- Queries on tenant data. Each one also names its tenant (wall one), and
-- runs inside a transaction opened by tenant_context or user_context
-- (wall two). Tenant conditions are written "tenant_id = $n" or
-- "tenants.id = $n" so that postgrestest.Unfiltered can find and drop them.

-- name: Tenant :one
SELECT id, kind, name, created_at FROM tenants WHERE tenants.id = @id;

-- name: LockTenant :one
SELECT id FROM tenants WHERE tenants.id = @id FOR NO KEY UPDATE;

-- name: DeleteTenant :execrows
DELETE FROM tenants WHERE tenants.id = @id;

-- name: UserMemberships :many
SELECT t.id, t.kind, t.name, t.created_at, m.role
FROM memberships m JOIN tenants t ON t.id = m.tenant_id
WHERE m.user_id = @user_id
ORDER BY t.created_at, t.id;

-- name: UserOrgs :many
-- The first page of the user's organizations, oldest first, tie-broken by id.
SELECT t.id, t.name, t.created_at, m.role
FROM memberships m JOIN tenants t ON t.id = m.tenant_id
WHERE m.user_id = @user_id AND t.kind = 'org'
ORDER BY t.created_at, t.id
LIMIT @lim;

-- name: UserOrgsAfter :many
-- The page after the organization @after, looked up among the user's own
-- memberships: another tenant's id, like one the user has left, names no
-- row and the page is empty, so a cursor tells nothing about other tenants.
SELECT t.id, t.name, t.created_at, m.role
FROM memberships m JOIN tenants t ON t.id = m.tenant_id
WHERE m.user_id = @user_id AND t.kind = 'org'
  AND (t.created_at, t.id) > (
      SELECT a.created_at, a.id FROM memberships am JOIN tenants a ON a.id = am.tenant_id
      WHERE am.user_id = @user_id AND a.id = @after)
ORDER BY t.created_at, t.id
LIMIT @lim;
