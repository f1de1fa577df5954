-- name: CreateAuditEntry :exec
INSERT INTO audit_entries (tenant_id, id, at, actor_user_id, action, target_type, target_id, ip, request_id, details)
VALUES (@tenant_id, @id, @at, @actor_user_id, @action, @target_type, @target_id, @ip, @request_id, @details);

-- name: AuditEntries :many
SELECT tenant_id, id, at, actor_user_id, action, target_type, target_id, ip, request_id, details
FROM audit_entries
WHERE tenant_id = @tenant_id AND id < @before
    AND (@action::text = '' OR action = @action::text)
    AND at >= @since AND at < @until
ORDER BY id DESC LIMIT @lim;
