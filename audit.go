package tenantry

import (
	"time"

	"github.com/google/uuid"
)

// DefaultAuditRetention is how long audit entries are kept unless
// configured otherwise.
const DefaultAuditRetention = 90 * 24 * time.Hour

// MinAuditRetention is the shortest retention a store prunes with: an
// entry younger than a day is kept whatever the configuration says, so
// that pruning cannot hide what just happened.
const MinAuditRetention = 24 * time.Hour

// Audit actions: what an AuditEntry records.
const (
	AuditTaskCreate       = "task.create"
	AuditTaskUpdate       = "task.update"
	AuditTaskDelete       = "task.delete"
	AuditTaskBulkDelete   = "task.bulk_delete"
	AuditMemberAdd        = "member.add"
	AuditMemberRole       = "member.role"
	AuditMemberRemove     = "member.remove"
	AuditInvitationCreate = "invitation.create"
	AuditInvitationAccept = "invitation.accept"
	AuditInvitationRevoke = "invitation.revoke"

	// The account's own, in the user's personal tenant. An auth.login_failed
	// entry's actor is the account whose password or code was wrong (the
	// caller is not known); its details' count says how many failures of
	// that minute it stands for.
	AuditLogin       = "auth.login"
	AuditLoginFailed = "auth.login_failed"
	AuditPassword    = "auth.password"
	AuditLogout      = "auth.logout"
	AuditLogoutAll   = "auth.logout_all"
	AuditTokenCreate = "token.create"
	AuditTokenRevoke = "token.revoke"

	// AuditAccessDenied is a request refused for naming a tenant its
	// caller is not a member of, recorded in that tenant's log: its actor
	// is the caller, its details the kind of attempt and the count of the
	// minute's attempts it stands for.
	AuditAccessDenied = "access.denied"
)

// AuditActions returns every action an entry may record, in the order the
// documentation lists them.
func AuditActions() []string {
	return []string{
		AuditTaskCreate, AuditTaskUpdate, AuditTaskDelete, AuditTaskBulkDelete,
		AuditMemberAdd, AuditMemberRole, AuditMemberRemove,
		AuditInvitationCreate, AuditInvitationAccept, AuditInvitationRevoke,
		AuditLogin, AuditLoginFailed, AuditPassword, AuditLogout, AuditLogoutAll,
		AuditTokenCreate, AuditTokenRevoke, AuditAccessDenied,
	}
}

// AuditEntry is one line of a tenant's audit log: who did what, when, from
// where. Details hold names and counts, never a secret nor a task's text
// beyond its title. The store sets TenantID, ID, At and ActorUserID from
// its scope and clock when it writes an entry.
type AuditEntry struct {
	TenantID    uuid.UUID
	ID          uuid.UUID
	At          time.Time
	ActorUserID uuid.UUID
	Action      string
	TargetType  string
	TargetID    string
	IP          string
	RequestID   string
	Details     map[string]any

	// ActorEmail is the actor's email as the entry is read, from the
	// account, not the entry: empty once the account is deleted.
	ActorEmail string
}

// AuditFilter selects audit entries, newest first: those before the entry
// After (a cursor), with Action if set, at or after Since and before Until
// if set.
type AuditFilter struct {
	Action string
	Since  *time.Time
	Until  *time.Time
	Page
}
