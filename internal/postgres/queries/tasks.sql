-- name: CreateTask :one
INSERT INTO tasks (tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at)
VALUES (@tenant_id, @id, @title, @description, @completed, @assigned_user_id, @created_at, @updated_at)
RETURNING tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version;

-- name: Task :one
SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version
FROM tasks WHERE tenant_id = @tenant_id AND id = @id;

-- name: TaskForUpdate :one
-- The row stays locked until the Update ends, so a version checked against
-- it is still the version the change replaces.
SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version
FROM tasks WHERE tenant_id = @tenant_id AND id = @id
FOR UPDATE;

-- name: Tasks :many
SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version
FROM tasks WHERE tenant_id = @tenant_id AND id > @after
ORDER BY id LIMIT @lim;

-- name: TasksByCompleted :many
SELECT tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version
FROM tasks WHERE tenant_id = @tenant_id AND completed = @completed AND id > @after
ORDER BY id LIMIT @lim;

-- name: ReplaceTask :one
UPDATE tasks SET title = @title, description = @description, completed = @completed,
    assigned_user_id = @assigned_user_id, updated_at = @updated_at, version = version + 1
WHERE tenant_id = @tenant_id AND id = @id
RETURNING tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version;

-- name: PatchTask :one
-- One statement, so two patches of different fields never undo each other.
UPDATE tasks
SET title = coalesce(sqlc.narg(title), title),
    completed = coalesce(sqlc.narg(completed), completed),
    description = CASE WHEN sqlc.arg(set_description)::boolean THEN sqlc.narg(description) ELSE description END,
    assigned_user_id = CASE WHEN sqlc.arg(set_assignee)::boolean THEN sqlc.narg(assigned_user_id)::uuid ELSE assigned_user_id END,
    updated_at = @updated_at, version = version + 1
WHERE tenant_id = @tenant_id AND id = @id
RETURNING tenant_id, id, title, description, completed, assigned_user_id, created_at, updated_at, version;

-- name: DeleteTask :execrows
DELETE FROM tasks WHERE tenant_id = @tenant_id AND id = @id;

-- name: DeleteTasks :execrows
DELETE FROM tasks WHERE tenant_id = @tenant_id;

-- name: DeleteTasksByCompleted :execrows
DELETE FROM tasks WHERE tenant_id = @tenant_id AND completed = @completed;
