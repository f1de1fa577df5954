-- name: CreateAuditEntry :exec
INSERT INTO audit_entries (tenant_id, id, at, actor_user_id, action, target_type, target_id, ip, request_id, details)
VALUES (@tenant_id, @id, @at, @actor_user_id, @action, @target_type, @target_id, @ip, @request_id, @details);

-- name: AuditEntries :many
-- The actor's email comes from users, which holds no tenant data and has
-- no RLS; it is empty once the account is deleted.
SELECT a.tenant_id, a.id, a.at, a.actor_user_id, coalesce(u.email, '')::text AS actor_email,
    a.action, a.target_type, a.target_id, a.ip, a.request_id, a.details
FROM audit_entries a LEFT JOIN users u ON u.id = a.actor_user_id
WHERE a.tenant_id = @tenant_id AND a.id < @before
    AND (@action::text = '' OR a.action = @action::text)
    AND a.at >= @since AND a.at < @until
ORDER BY a.id DESC LIMIT @lim;
