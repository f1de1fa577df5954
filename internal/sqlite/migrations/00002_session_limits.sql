-- Sessions are purged in the background once expired, and a user keeps at
-- most tenantry.MaxSessionsPerUser of them (the oldest go first): the purge
-- reads by expiry, the cap by user and creation time.

-- +goose Up

CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE INDEX sessions_user_created ON sessions (user_id, created_at);

DROP INDEX sessions_user;

-- +goose Down

CREATE INDEX sessions_user ON sessions (user_id);

DROP INDEX sessions_user_created;

DROP INDEX sessions_expires;
