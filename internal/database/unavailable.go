package database

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// unavailable is a store whose errors that say the database cannot be
// reached (lost) are marked tenantry.ErrUnavailable, which the API answers
// 503 instead of 500: a PostgreSQL server stopped or restarting is a
// passing condition, and the client may try again. Every method goes
// through, View and Update included, so errors of the tenant transactions
// are marked too; errors that are a *tenantry.Error already pass as they
// are.
type unavailable struct {
	tenantry.Store
	lost func(error) bool
}

// mark wraps err in tenantry.ErrUnavailable when u.lost says so, keeping
// err for the log.
func (u *unavailable) mark(err error) error {
	if err == nil || tenantry.ErrorCode(err) != tenantry.EINTERNAL || !u.lost(err) {
		return err
	}
	return fmt.Errorf("%w: %w", tenantry.ErrUnavailable, err)
}

// Unwrap returns the store underneath.
func (u *unavailable) Unwrap() tenantry.Store { return u.Store }

// CreateUser implements tenantry.Store.
func (u *unavailable) CreateUser(ctx context.Context, email, passwordHash string) (tenantry.User, error) {
	r, err := u.Store.CreateUser(ctx, email, passwordHash)
	return r, u.mark(err)
}

// UserByEmail implements tenantry.Store.
func (u *unavailable) UserByEmail(ctx context.Context, email string) (tenantry.User, error) {
	r, err := u.Store.UserByEmail(ctx, email)
	return r, u.mark(err)
}

// UserByID implements tenantry.Store.
func (u *unavailable) UserByID(ctx context.Context, id uuid.UUID) (tenantry.User, error) {
	r, err := u.Store.UserByID(ctx, id)
	return r, u.mark(err)
}

// DeleteUser implements tenantry.Store.
func (u *unavailable) DeleteUser(ctx context.Context, id uuid.UUID) error {
	return u.mark(u.Store.DeleteUser(ctx, id))
}

// SetPassword implements tenantry.Store.
func (u *unavailable) SetPassword(ctx context.Context, id uuid.UUID, passwordHash string, audit *tenantry.AuditEntry) (tenantry.User, error) {
	r, err := u.Store.SetPassword(ctx, id, passwordHash, audit)
	return r, u.mark(err)
}

// TokenUser implements tenantry.Store.
func (u *unavailable) TokenUser(ctx context.Context, userID uuid.UUID, tokenID string) (tenantry.User, bool, error) {
	r, revoked, err := u.Store.TokenUser(ctx, userID, tokenID)
	return r, revoked, u.mark(err)
}

// RevokeToken implements tenantry.Store.
func (u *unavailable) RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time, audit *tenantry.AuditEntry) error {
	return u.mark(u.Store.RevokeToken(ctx, tokenID, expiresAt, audit))
}

// CreateSession implements tenantry.Store.
func (u *unavailable) CreateSession(ctx context.Context, s tenantry.Session, audit *tenantry.AuditEntry) error {
	return u.mark(u.Store.CreateSession(ctx, s, audit))
}

// SessionUser implements tenantry.Store.
func (u *unavailable) SessionUser(ctx context.Context, idHash []byte, idle time.Duration) (tenantry.Session, tenantry.User, error) {
	s, r, err := u.Store.SessionUser(ctx, idHash, idle)
	return s, r, u.mark(err)
}

// DeleteSession implements tenantry.Store.
func (u *unavailable) DeleteSession(ctx context.Context, idHash []byte, audit *tenantry.AuditEntry) error {
	return u.mark(u.Store.DeleteSession(ctx, idHash, audit))
}

// CreateOrg implements tenantry.Store.
func (u *unavailable) CreateOrg(ctx context.Context, owner uuid.UUID, name string) (tenantry.OrgMembership, error) {
	r, err := u.Store.CreateOrg(ctx, owner, name)
	return r, u.mark(err)
}

// CreateOrgOnce implements tenantry.Store.
func (u *unavailable) CreateOrgOnce(ctx context.Context, owner uuid.UUID, name string, r tenantry.IdempotentRequest) (tenantry.OrgMembership, error) {
	m, err := u.Store.CreateOrgOnce(ctx, owner, name, r)
	return m, u.mark(err)
}

// UserOrgs implements tenantry.Store.
func (u *unavailable) UserOrgs(ctx context.Context, userID uuid.UUID, page tenantry.Page) ([]tenantry.OrgMembership, error) {
	r, err := u.Store.UserOrgs(ctx, userID, page)
	return r, u.mark(err)
}

// View implements tenantry.Store.
func (u *unavailable) View(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	return u.mark(u.Store.View(ctx, userID, tenantID, fn))
}

// Update implements tenantry.Store.
func (u *unavailable) Update(ctx context.Context, userID, tenantID uuid.UUID, fn func(tenantry.TenantAccess) error) error {
	return u.mark(u.Store.Update(ctx, userID, tenantID, fn))
}

// Ping implements tenantry.Store.
func (u *unavailable) Ping(ctx context.Context) error {
	return u.mark(u.Store.Ping(ctx))
}
