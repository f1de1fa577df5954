-- name: CreateAuditEntry :exec
INSERT INTO audit_entries (tenant_id, id, at, actor_user_id, action, target_type, target_id, ip, request_id, details)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(at), sqlc.arg(actor_user_id), sqlc.arg(action),
        sqlc.arg(target_type), sqlc.arg(target_id), sqlc.arg(ip), sqlc.arg(request_id), sqlc.arg(details));

-- name: CreateDeniedEntry :execrows
INSERT INTO audit_entries (tenant_id, id, at, actor_user_id, action, target_type, target_id, ip, request_id, details)
SELECT t.id, sqlc.arg(id), sqlc.arg(at), sqlc.arg(actor_user_id), 'access.denied', sqlc.arg(target_type),
       sqlc.arg(target_id), sqlc.arg(ip), sqlc.arg(request_id), sqlc.arg(details)
FROM tenants t
WHERE t.id = sqlc.arg(tenant_id);

-- name: AuditEntries :many
-- The actor's email comes from users; it is empty once the account is
-- deleted.
SELECT a.tenant_id, a.id, a.at, a.actor_user_id, CAST(coalesce(u.email, '') AS TEXT) AS actor_email,
    a.action, a.target_type, a.target_id, a.ip, a.request_id, a.details
FROM audit_entries a LEFT JOIN users u ON u.id = a.actor_user_id
WHERE a.tenant_id = sqlc.arg(tenant_id) AND a.id < sqlc.arg(before)
    AND (CAST(sqlc.arg(action) AS TEXT) = '' OR a.action = CAST(sqlc.arg(action) AS TEXT))
    AND a.at >= sqlc.arg(since) AND a.at < sqlc.arg(until)
ORDER BY a.id DESC
LIMIT sqlc.arg(limit);

-- name: PruneAudit :execrows
DELETE FROM audit_entries WHERE at < sqlc.arg(before);
