-- accept_invitation runs as the caller, as the context functions do since
-- 00007, and for the same reason: on Citus a transaction keeps one worker
-- connection per user, so the membership it inserts as the owner could not
-- be read back by the application role in the same transaction ("cannot
-- perform query on placements that were modified in this transaction by a
-- different user"). It sets app.user_id and app.tenant_id itself before it
-- reads the invitation, so the policies admit exactly that tenant's rows.

-- +goose Up
ALTER FUNCTION accept_invitation(uuid, uuid, bytea, timestamptz) SECURITY INVOKER;

-- +goose Down
ALTER FUNCTION accept_invitation(uuid, uuid, bytea, timestamptz) SECURITY DEFINER;
