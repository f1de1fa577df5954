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
// Methods outside TenantAccess touch only data that no tenant owns (accounts,
// credentials) or create a tenant. Tenant-owned data is reached only through
// View and Update, with three narrow exceptions, each writing one audit
// entry: a change to an account's credentials records it in the user's own
// personal tenant, in the same change; AcceptInvitation records the new
// membership; AuditDenied records a refused attempt in a tenant the caller
// is not a member of.
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
	// every session of the user. It returns the updated user. audit, when
	// not nil, is written by the user in their personal tenant's log in the
	// same change.
	SetPassword(ctx context.Context, id uuid.UUID, passwordHash string, audit *AuditEntry) (User, error)

	// TokenUser is the per-request check of a bearer token: the user, and
	// whether the token id was revoked. ErrUserNotFound if the user is gone.
	TokenUser(ctx context.Context, userID uuid.UUID, tokenID string) (u User, revoked bool, err error)
	// RevokeToken records that a token id no longer works. Entries may be
	// dropped once expiresAt has passed. audit, when not nil, is written by
	// its ActorUserID, the token's user, in that user's personal tenant's
	// log in the same change.
	RevokeToken(ctx context.Context, tokenID string, expiresAt time.Time, audit *AuditEntry) error

	// CreateSession stores a new session. A user keeps at most
	// MaxSessionsPerUser sessions: beyond that, the ones created first are
	// deleted in the same transaction. ErrUserNotFound if the user is gone.
	// audit, when not nil, is written by s.UserID in their personal
	// tenant's log in the same change.
	CreateSession(ctx context.Context, s Session, audit *AuditEntry) error
	// SessionUser returns a live session and its user, and records the use
	// (LastSeenAt). ErrSessionNotFound if unknown, expired or idle too long.
	SessionUser(ctx context.Context, idHash []byte, idle time.Duration) (Session, User, error)
	// DeleteSession ends one session. Deleting an unknown one is not an
	// error. audit, when not nil, is written by its ActorUserID, the
	// session's user, in that user's personal tenant's log in the same
	// change.
	DeleteSession(ctx context.Context, idHash []byte, audit *AuditEntry) error

	// CreateAPIToken stores a new API token of t.UserID for t.TenantID.
	// ErrNotMember if the user is not a member of the tenant. The token is
	// deleted with the membership. The user's personal tenant's log gets a
	// token.create entry naming the token's id, name, tenant and scope
	// (never its secret), with src's IP and RequestID, in the same change.
	CreateAPIToken(ctx context.Context, t APIToken, src AuditEntry) (APIToken, error)
	// APITokens returns the user's API tokens, oldest first.
	APITokens(ctx context.Context, userID uuid.UUID) ([]APIToken, error)
	// DeleteAPIToken revokes one of the user's API tokens, recorded as
	// token.revoke with its id and name in the user's personal tenant's
	// log, with src's IP and RequestID, in the same change.
	// ErrAPITokenNotFound if the user has no such token.
	DeleteAPIToken(ctx context.Context, userID, id uuid.UUID, src AuditEntry) error
	// DeleteAPITokens revokes every API token of the user, each recorded
	// as DeleteAPIToken records one, in one change.
	DeleteAPITokens(ctx context.Context, userID uuid.UUID, src AuditEntry) error
	// APITokenUser is the per-request check of an API token: the live token
	// with that secret hash and its user, the use recorded (at most once per
	// APITokenTouch). ErrAPITokenNotFound if unknown or expired at now.
	APITokenUser(ctx context.Context, secretHash []byte, now time.Time) (APIToken, User, error)

	// SetTOTPSecret stores a pending two-factor secret, replacing a pending
	// one. ErrTOTPEnabled if two-factor sign-in is on; ErrUserNotFound.
	SetTOTPSecret(ctx context.Context, userID uuid.UUID, secret string) error
	// UserTOTP returns the user's two-factor secret. ErrTOTPNotFound.
	UserTOTP(ctx context.Context, userID uuid.UUID) (TOTP, error)
	// EnableTOTP turns the pending secret on, accepting time step step, and
	// replaces the recovery codes with codeHashes, in one change.
	// ErrTOTPNotFound if none is pending or step is not after the last.
	EnableTOTP(ctx context.Context, userID uuid.UUID, step int64, codeHashes [][]byte) error
	// UseTOTPStep records a code accepted for time step step, and reports
	// false if a code of that step or a later one was accepted already.
	UseTOTPStep(ctx context.Context, userID uuid.UUID, step int64) (bool, error)
	// UseRecoveryCode spends one recovery code, and reports false if the
	// user has no such code (never had, or spent it).
	UseRecoveryCode(ctx context.Context, userID uuid.UUID, codeHash []byte) (bool, error)
	// DisableTOTP deletes the two-factor secret and the recovery codes.
	DisableTOTP(ctx context.Context, userID uuid.UUID) error

	// CreateOrg creates an organization with owner as its first owner.
	CreateOrg(ctx context.Context, owner uuid.UUID, name string) (OrgMembership, error)
	// CreateOrgOnce is CreateOrg once per Idempotency-Key: r's key is
	// claimed as owner's (whatever r.UserID says) in owner's personal
	// tenant in the same change, as TenantAccess.ClaimIdempotencyKey
	// claims one, and kept with the created OrgMembership (OrgAnswer). A
	// key used within IdempotencyKeep creates nothing and returns the
	// first OrgMembership, even if that organization has changed since;
	// ErrIdempotencyMismatch if that use had another body. A concurrent
	// call with the same key waits for the first and returns its answer.
	// ErrUserNotFound if owner has no account.
	CreateOrgOnce(ctx context.Context, owner uuid.UUID, name string, r IdempotentRequest) (OrgMembership, error)
	// AcceptInvitation makes userID a member of tenantID with the role of
	// the pending invitation there whose token hashes to tokenHash and whose
	// email is the user's. Accepting an invitation the user already accepted
	// changes nothing and answers their current membership. Anything else
	// (unknown token, another user's email, expired, revoked, accepted by
	// someone else) is ErrInvitationNotFound, one answer for all. A new
	// membership is recorded in the tenant's audit log in the same change,
	// as invitation.accept by userID with src's IP and RequestID.
	AcceptInvitation(ctx context.Context, userID, tenantID uuid.UUID, tokenHash []byte, src AuditEntry) (Member, error)
	// AuditDenied records e as access.denied in tenantID's log, by
	// e.ActorUserID, who is not a member of it (the one entry a non-member
	// can cause there), with e's target, IP, RequestID and details. It
	// writes nothing, and is no error, for a tenant that does not exist. It
	// is a change of its own, never part of another.
	AuditDenied(ctx context.Context, tenantID uuid.UUID, e AuditEntry) error
	// UserOrgs returns one page of the organizations the user is a member
	// of, with the user's role, oldest first, tie-broken by id.
	UserOrgs(ctx context.Context, userID uuid.UUID, p Page) ([]OrgMembership, error)

	// View runs fn with read access to tenantID's data once userID is known
	// to be a member of it: ErrNotMember otherwise, the same for a tenant
	// that does not exist, and fn does not run. A member removed while fn
	// runs gets ErrNotMember, and what fn read must not be used. Its
	// TenantAccess's write methods fail. fn only reads and writes through its
	// TenantAccess: a store may run it more than once, and the last run counts.
	View(ctx context.Context, userID, tenantID uuid.UUID, fn func(TenantAccess) error) error
	// Update runs fn as one all-or-nothing change to tenantID's data, with
	// the same membership check as View, made inside the change: a member
	// removed meanwhile gets ErrNotMember and nothing is kept. If fn returns
	// an error, nothing it wrote is kept. As in View, fn only reads and
	// writes through its TenantAccess, and may run more than once.
	Update(ctx context.Context, userID, tenantID uuid.UUID, fn func(TenantAccess) error) error

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// TenantAccess is one member's access to one tenant, as View or Update
// gives it: every method works only on that tenant's rows. It is not a
// transaction in View, hence the name. In Update its writes are
// kept together or not at all; in View its reads may each see the latest
// committed data rather than one shared snapshot.
type TenantAccess interface {
	// Scope says whose transaction this is.
	Scope() Scope
	// Tenant returns the tenant itself.
	Tenant(ctx context.Context) (Tenant, error)

	// CreateTask adds a task. ErrAssigneeNotMember if the assignee is not a member.
	CreateTask(ctx context.Context, t NewTask) (Task, error)

	// ClaimIdempotencyKey reserves r's key for this transaction's write;
	// a concurrent claim of the same key waits for it. When the key was
	// used within IdempotencyKeep it returns that first answer and true
	// instead; ErrIdempotencyMismatch if that use had another body.
	ClaimIdempotencyKey(ctx context.Context, r IdempotentRequest) (IdempotentAnswer, bool, error)
	// SetIdempotentAnswer keeps the answer to the write of a claimed key.
	SetIdempotentAnswer(ctx context.Context, r IdempotentRequest, a IdempotentAnswer) error
	// Task returns one task. ErrTaskNotFound.
	Task(ctx context.Context, id uuid.UUID) (Task, error)
	// TaskForUpdate returns one task and keeps it from changing until the
	// Update ends, so that a check of its Version still holds when the change
	// is written. Only in Update. ErrTaskNotFound.
	TaskForUpdate(ctx context.Context, id uuid.UUID) (Task, error)
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
	// CreateInvitation stores an invitation by the scope's user.
	CreateInvitation(ctx context.Context, in NewInvitation) (Invitation, error)
	// Invitations returns one page of the pending invitations (neither
	// accepted, revoked nor expired) in id (creation) order.
	Invitations(ctx context.Context, p Page) ([]Invitation, error)
	// RevokeInvitation ends a pending invitation. ErrInvitationNotFound.
	RevokeInvitation(ctx context.Context, id uuid.UUID) error

	// RemoveMember removes a member and unassigns their tasks.
	// ErrMemberNotFound, ErrLastOwner.
	RemoveMember(ctx context.Context, userID uuid.UUID) error

	// Audit writes an audit entry by the scope's user, at the store's time,
	// in the same change as the writes around it: only in Update, and if
	// the Update fails the entry is not kept either.
	Audit(ctx context.Context, e AuditEntry) error
	// AuditEntries returns one page of the tenant's audit entries, newest
	// first, as f selects.
	AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}
