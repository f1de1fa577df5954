-- name: CreateTenant :exec
INSERT INTO tenants (id, kind, name, created_at)
VALUES (sqlc.arg(id), sqlc.arg(kind), sqlc.arg(name), sqlc.arg(created_at));

-- name: Tenant :one
SELECT id, kind, name, created_at
FROM tenants
WHERE id = sqlc.arg(tenant_id);

-- name: DeleteTenant :exec
DELETE FROM tenants
WHERE id = sqlc.arg(tenant_id);

-- name: MembershipScope :one
-- The one look-up in front of every View and Update: the primary key of
-- memberships, then the primary key of tenants.
SELECT m.role, t.kind
FROM memberships m
JOIN tenants t ON t.id = m.tenant_id
WHERE m.tenant_id = sqlc.arg(tenant_id) AND m.user_id = sqlc.arg(user_id);

-- name: UserOrgs :many
-- The first page of the user's organizations, oldest first, tie-broken by id.
SELECT t.id, t.kind, t.name, t.created_at, m.role
FROM memberships m
JOIN tenants t ON t.id = m.tenant_id
WHERE m.user_id = sqlc.arg(user_id) AND t.kind = 'org'
ORDER BY t.created_at, t.id
LIMIT sqlc.arg(limit);

-- name: UserOrgsAfter :many
-- The page after the organization sqlc.arg(after), looked up among the
-- user's own memberships: another tenant's id, like one the user has left,
-- names no row and the page is empty, so a cursor tells nothing about other
-- tenants.
SELECT t.id, t.kind, t.name, t.created_at, m.role
FROM memberships m
JOIN tenants t ON t.id = m.tenant_id
WHERE m.user_id = sqlc.arg(user_id) AND t.kind = 'org'
  AND (t.created_at, t.id) > (
      SELECT a.created_at, a.id FROM memberships am JOIN tenants a ON a.id = am.tenant_id
      WHERE am.user_id = sqlc.arg(user_id) AND a.id = sqlc.arg(after))
ORDER BY t.created_at, t.id
LIMIT sqlc.arg(limit);

-- name: UserMemberships :many
-- Every tenant the user belongs to, with what DeleteUser needs to decide
-- whether it may leave: the tenant's owner and member counts.
SELECT m.tenant_id, m.role, t.kind,
       (SELECT count(*) FROM memberships o WHERE o.tenant_id = m.tenant_id AND o.role = 'owner') AS owners,
       (SELECT count(*) FROM memberships a WHERE a.tenant_id = m.tenant_id) AS members
FROM memberships m
JOIN tenants t ON t.id = m.tenant_id
WHERE m.user_id = sqlc.arg(user_id);
