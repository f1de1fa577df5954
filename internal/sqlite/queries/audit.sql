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
SELECT tenant_id, id, at, actor_user_id, action, target_type, target_id, ip, request_id, details
FROM audit_entries
WHERE tenant_id = sqlc.arg(tenant_id) AND id < sqlc.arg(before)
    AND (CAST(sqlc.arg(action) AS TEXT) = '' OR action = CAST(sqlc.arg(action) AS TEXT))
    AND at >= sqlc.arg(since) AND at < sqlc.arg(until)
ORDER BY id DESC
LIMIT sqlc.arg(limit);

-- name: PruneAudit :execrows
DELETE FROM audit_entries WHERE at < sqlc.arg(before);
