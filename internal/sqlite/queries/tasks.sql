-- name: CreateTask :exec
INSERT INTO tasks (tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at)
VALUES (sqlc.arg(tenant_id), sqlc.arg(id), sqlc.arg(title), sqlc.narg(description), sqlc.arg(completed),
        sqlc.narg(assigned_user_id), sqlc.arg(created_at), sqlc.arg(updated_at));

-- name: Task :one
SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version
FROM tasks
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: TaskForUpdate :one
-- One writer at a time: the row cannot change before the Update ends.
SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version
FROM tasks
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: Tasks :many
-- No cursor is an empty BLOB, which sorts before every id.
SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version
FROM tasks
WHERE tenant_id = sqlc.arg(tenant_id) AND id > sqlc.arg(after)
ORDER BY id
LIMIT sqlc.arg(limit);

-- name: TasksByCompleted :many
SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version
FROM tasks
WHERE tenant_id = sqlc.arg(tenant_id) AND completed = sqlc.arg(completed) AND id > sqlc.arg(after)
ORDER BY id
LIMIT sqlc.arg(limit);

-- name: ReplaceTask :one
UPDATE tasks
SET title = sqlc.arg(title), description = sqlc.narg(description), completed = sqlc.arg(completed),
    assigned_user_id = sqlc.narg(assigned_user_id), updated_at = sqlc.arg(updated_at), version = version + 1
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id)
RETURNING tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version;

-- name: PatchTask :one
UPDATE tasks
SET title = coalesce(sqlc.narg(title), title),
    completed = coalesce(sqlc.narg(completed), completed),
    description = CASE WHEN CAST(sqlc.arg(set_description) AS BOOLEAN) THEN sqlc.narg(description) ELSE description END,
    assigned_user_id = CASE WHEN CAST(sqlc.arg(set_assignee) AS BOOLEAN) THEN sqlc.narg(assigned_user_id) ELSE assigned_user_id END,
    updated_at = sqlc.arg(updated_at), version = version + 1
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id)
RETURNING tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version;

-- name: DeleteTask :execrows
DELETE FROM tasks
WHERE tenant_id = sqlc.arg(tenant_id) AND id = sqlc.arg(id);

-- name: DeleteTasks :execrows
DELETE FROM tasks
WHERE tenant_id = sqlc.arg(tenant_id);

-- name: DeleteTasksByCompleted :execrows
DELETE FROM tasks
WHERE tenant_id = sqlc.arg(tenant_id) AND completed = sqlc.arg(completed);
