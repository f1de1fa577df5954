-- +goose Up
-- A task's version counts its changes, so a client can say which one it
-- edited (If-Match) and a stale edit is refused rather than kept.
ALTER TABLE tasks ADD COLUMN version bigint NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE tasks DROP COLUMN version;
