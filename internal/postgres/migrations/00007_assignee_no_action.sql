-- The assignee key loses its ON DELETE SET NULL (assigned_user_id). Citus
-- refuses SET NULL and SET DEFAULT on a foreign key that holds the
-- distribution column (it ignores PostgreSQL 15's column list and would null
-- tenant_id too), so tasks could not be distributed by tenant_id. The store
-- already unassigns a member's tasks before it removes the member (members.go,
-- users.go), and a tenant's deletion cascades to its tasks and memberships in
-- the same statement, so the key now only refuses what the store never does:
-- removing a membership that tasks still point at.

-- +goose Up
ALTER TABLE tasks DROP CONSTRAINT tasks_assignee_fkey;
ALTER TABLE tasks ADD CONSTRAINT tasks_assignee_fkey FOREIGN KEY (tenant_id, assigned_user_id)
    REFERENCES memberships (tenant_id, user_id);

-- +goose Down
ALTER TABLE tasks DROP CONSTRAINT tasks_assignee_fkey;
ALTER TABLE tasks ADD CONSTRAINT tasks_assignee_fkey FOREIGN KEY (tenant_id, assigned_user_id)
    REFERENCES memberships (tenant_id, user_id) ON DELETE SET NULL (assigned_user_id);
