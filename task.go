package tenantry

import (
	"time"

	"github.com/google/uuid"
)

// Limits on task fields, enforced by the HTTP layer and documented in the API.
const (
	MaxTitleLen       = 200  // characters
	MaxDescriptionLen = 5000 // characters
	MaxPageSize       = 100
	DefaultPageSize   = 50
)

// Task is a unit of work owned by one tenant.
type Task struct {
	TenantID       uuid.UUID
	ID             uuid.UUID // UUIDv7: time-ordered, no global counter
	Title          string
	Description    *string
	Completed      bool
	AssignedUserID *uuid.UUID // org tasks only; must be a member
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// Version is 1 when the task is created and grows by one with every
	// change, so a client can say which state it edited (an ETag).
	Version int64
}

// NewTask is what a caller may set on a task it creates or replaces. It has
// no owner field: the tenant always comes from the TenantAccess.
type NewTask struct {
	Title          string
	Description    *string
	Completed      bool
	AssignedUserID *uuid.UUID
}

// TaskPatch is a partial update. A nil pointer leaves a field alone; the
// Set flags tell "set to null" from "leave alone" for nullable fields.
type TaskPatch struct {
	Title          *string
	Completed      *bool
	SetDescription bool
	Description    *string
	SetAssignee    bool
	AssignedUserID *uuid.UUID
}

// TaskFilter selects one page of a tenant's tasks, in id (creation) order.
type TaskFilter struct {
	Completed *bool
	After     *uuid.UUID // keyset cursor: the last id of the previous page
	Limit     int        // 1..MaxPageSize
}
