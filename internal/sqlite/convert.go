package sqlite

import (
	"database/sql"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/sqlite/internal/sqlitedb"
)

// Conversions between the domain types and the storage formats described in
// migrations/00001_init.sql.

func micros(t time.Time) int64 { return t.UnixMicro() }

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

func idBytes(id uuid.UUID) []byte { return id[:] }

func fromBytes(b []byte) uuid.UUID {
	var id uuid.UUID
	copy(id[:], b)
	return id
}

func nullIDBytes(id *uuid.UUID) []byte {
	if id == nil {
		return nil
	}
	return idBytes(*id)
}

func fromNullBytes(b []byte) *uuid.UUID {
	if b == nil {
		return nil
	}
	id := fromBytes(b)
	return &id
}

func nullString(s *string) sql.NullString {
	if s == nil {
		return sql.NullString{}
	}
	return sql.NullString{String: *s, Valid: true}
}

func fromNullString(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

func toUser(r sqlitedb.User) tenantry.User {
	return tenantry.User{
		ID:           fromBytes(r.ID),
		Email:        r.Email,
		PasswordHash: r.PasswordHash,
		AuthVersion:  r.AuthVersion,
		CreatedAt:    fromMicros(r.CreatedAt),
	}
}

func toTask(r sqlitedb.Task) tenantry.Task {
	return tenantry.Task{
		TenantID:       fromBytes(r.TenantID),
		ID:             fromBytes(r.ID),
		Title:          r.Title,
		Description:    fromNullString(r.Description),
		Completed:      r.Completed,
		AssignedUserID: fromNullBytes(r.AssignedUserID),
		CreatedAt:      fromMicros(r.CreatedAt),
		UpdatedAt:      fromMicros(r.UpdatedAt),
		Version:        r.Version,
	}
}

func toTenant(r sqlitedb.Tenant) tenantry.Tenant {
	return tenantry.Tenant{
		ID:        fromBytes(r.ID),
		Kind:      tenantry.TenantKind(r.Kind),
		Name:      r.Name,
		CreatedAt: fromMicros(r.CreatedAt),
	}
}

func toMember(r sqlitedb.MemberRow) tenantry.Member {
	return tenantry.Member{
		TenantID:  fromBytes(r.TenantID),
		UserID:    fromBytes(r.UserID),
		Email:     r.Email,
		Role:      tenantry.Role(r.Role),
		CreatedAt: fromMicros(r.CreatedAt),
	}
}
