package tenantry

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// MaxSessionsPerUser bounds how many cookie sessions one user holds at once,
// so that no one can fill the sessions table by signing in in a loop.
const MaxSessionsPerUser = 50

// Store is everything Tenantry keeps. The sqlite and postgres packages
// implement it, and storetest.Exercise checks that both behave the same.
//
// Methods outside TenantTx touch only data that no tenant owns (accounts,
// credentials) or create a tenant. Tenant-owned data is reached only through
// View and Update.
type Store interface {
	// CreateUser creates an account with its personal tenant, whose owner it
	// is. The email is stored lower-cased. ErrEmailTaken if it exists.
	CreateUser(ctx context.Context, email, passwordHash string) (User, error)
	// UserByEmail finds an account by email, case-insensitively. ErrUserNotFound.
	UserByEmail(ctx context.Context, email string) (User, error)
	// UserByID finds an account. ErrUserNotFound.
	UserByID(ctx context.Context, id uuid.UUID) (User, error)
	// DeleteUser deletes an account, its personal tenant with its tasks, its
	// sessions and its memberships (unassigning its org tasks). ErrLastOwner
	// if it is the last owner of an organization that has other members.
	// An organization it alone belongs to is deleted with it.
	DeleteUser(ctx context.Context, id uuid.UUID) error
	// SetPassword replaces the password hash, bumps AuthVersion and deletes
	// every session of the user. It returns the updated user.
	SetPassword(ctx context.Context, id uuid.UUID, passwordHash string) (User, error)

	// TokenUser is the per-request check of a bearer token: the user, and
	// whether the token id was revoked. ErrUserNotFound if the user is gone.
	TokenUser(ctx context.Context, userID uuid.UUID, tokenID string) (u User, revoked bool, err error)
	// RevokeToken records that a token id no longer works. Entries may be
	// dropped once expiresAt has passed.
	RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time) error

	// CreateSession stores a new session. A user keeps at most
	// MaxSessionsPerUser sessions: beyond that, the ones created first are
	// deleted in the same transaction. ErrUserNotFound if the user is gone.
	CreateSession(ctx context.Context, s Session) error
	// SessionUser returns a live session and its user, and records the use
	// (LastSeenAt). ErrSessionNotFound if unknown, expired or idle too long.
	SessionUser(ctx context.Context, idHash []byte, idle time.Duration) (Session, User, error)
	// DeleteSession ends one session. Deleting an unknown one is not an error.
	DeleteSession(ctx context.Context, idHash []byte) error

	// CreateOrg creates an organization with owner as its first owner.
	CreateOrg(ctx context.Context, owner uuid.UUID, name string) (OrgMembership, error)
	// UserOrgs returns one page of the organizations the user is a member
	// of, with the user's role, oldest first, tie-broken by id.
	UserOrgs(ctx context.Context, userID uuid.UUID, p Page) ([]OrgMembership, error)

	// View runs fn read-only, scoped to tenantID, after checking that
	// userID is a member of it: ErrNotMember otherwise, the same for a tenant
	// that does not exist, and fn does not run. fn's reads need not share one
	// snapshot: a store may run each in a transaction of its own and check
	// the membership again each time, which lets a single read cost one
	// statement. If the membership ends while fn runs, View returns
	// ErrNotMember, and fn's results must not be used. The write methods of
	// its TenantTx fail.
	//
	// A store may take the membership it remembers for the first check and
	// confirm it with fn's first read (or after fn, if fn read nothing). A
	// member removed elsewhere meanwhile then sees fn run, its reads fail,
	// and View returns ErrNotMember; if the Scope fn was given turns out
	// stale (the role changed), View runs fn again with the current one and
	// returns that run's result. So fn must do nothing but read through its
	// TenantTx and keep what it read.
	View(ctx context.Context, userID, tenantID uuid.UUID, fn func(TenantTx) error) error
	// Update runs fn in one read-write transaction scoped to tenantID, with
	// the membership check inside it. If fn returns an error, nothing it
	// wrote is kept. As in View, a store may hand fn the Scope it remembers
	// and confirm it inside the transaction before anything commits: a
	// member removed meanwhile gets ErrNotMember and nothing is kept, and if
	// the Scope turns out stale, nothing fn wrote is kept and fn runs again
	// with the current one. So fn must act only through its TenantTx.
	Update(ctx context.Context, userID, tenantID uuid.UUID, fn func(TenantTx) error) error

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// TenantTx is one member's access to one tenant: one transaction in Update;
// in View, reads that may each run in a transaction of their own. Every
// method works only on that tenant's rows.
type TenantTx interface {
	// Scope says whose transaction this is.
	Scope() Scope
	// Tenant returns the tenant itself.
	Tenant(ctx context.Context) (Tenant, error)

	// CreateTask adds a task. ErrAssigneeNotMember if the assignee is not a member.
	CreateTask(ctx context.Context, t NewTask) (Task, error)
	// Task returns one task. ErrTaskNotFound.
	Task(ctx context.Context, id uuid.UUID) (Task, error)
	// Tasks returns one page of tasks in id order.
	Tasks(ctx context.Context, f TaskFilter) ([]Task, error)
	// ReplaceTask overwrites every settable field. ErrTaskNotFound, ErrAssigneeNotMember.
	ReplaceTask(ctx context.Context, id uuid.UUID, t NewTask) (Task, error)
	// PatchTask changes the fields the patch sets. ErrTaskNotFound, ErrAssigneeNotMember.
	PatchTask(ctx context.Context, id uuid.UUID, p TaskPatch) (Task, error)
	// DeleteTask deletes one task. ErrTaskNotFound.
	DeleteTask(ctx context.Context, id uuid.UUID) error
	// DeleteTasks deletes every task, or those with the given completed
	// state, and says how many.
	DeleteTasks(ctx context.Context, completed *bool) (int64, error)

	// Members returns one page of the tenant's members, oldest membership
	// first, tie-broken by user id.
	Members(ctx context.Context, p Page) ([]Member, error)
	// Member returns one member. ErrMemberNotFound.
	Member(ctx context.Context, userID uuid.UUID) (Member, error)
	// AddMember adds a user. ErrUserNotFound, ErrAlreadyMember.
	AddMember(ctx context.Context, userID uuid.UUID, role Role) (Member, error)
	// SetRole changes a member's role. ErrMemberNotFound, ErrLastOwner.
	SetRole(ctx context.Context, userID uuid.UUID, role Role) (Member, error)
	// RemoveMember removes a member and unassigns their tasks.
	// ErrMemberNotFound, ErrLastOwner.
	RemoveMember(ctx context.Context, userID uuid.UUID) error
}
