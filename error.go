package tenantry

import (
	"errors"
	"fmt"
)

// Error codes. A transport maps each to its own answer in one place (the
// HTTP API: status in internal/server/errors.go).
const (
	EINVALID      = "invalid"      // the input breaks a rule
	ENOTFOUND     = "not_found"    // missing, or not the caller's to see
	ECONFLICT     = "conflict"     // a unique rule or invariant
	EFORBIDDEN    = "forbidden"    // the caller is known but may not do this
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EUNAVAILABLE  = "unavailable"  // the database does not answer for now; worth a retry
	EPRECONDITION = "precondition" // the caller's condition (If-Match) does not hold; nothing was written
	EINTERNAL     = "internal"     // anything else: logged, never shown
)

// Error is an error a caller may see. Its Message is safe to show to the
// client that caused it; anything else is answered as a generic 500.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("tenantry error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, EINTERNAL for errors that are not an
// *Error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err, or a generic one for
// errors that are not an *Error.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// The messages the API answers with, word for word.
const (
	MsgTaskNotFound   = "Task not found"
	MsgOrgNotFound    = "Organization not found"
	MsgMemberNotFound = "Member not found"
	MsgAccessDenied   = "Access denied"
	MsgBadCredentials = "Could not validate credentials"
	MsgNotAuthed      = "Not authenticated"
)

// Errors the stores return for the cases the conformance suite checks.
var (
	// ErrNotMember is returned by View and Update when the user is not a
	// member of the tenant, or the tenant does not exist. The two are not
	// told apart.
	ErrNotMember = &Error{Code: ENOTFOUND, Message: "Not found"}
	// ErrTaskNotFound is returned for a task that does not exist in the scope.
	ErrTaskNotFound = &Error{Code: ENOTFOUND, Message: MsgTaskNotFound}
	// ErrMemberNotFound is returned for a user who is not a member of the scope.
	ErrMemberNotFound = &Error{Code: ENOTFOUND, Message: MsgMemberNotFound}
	// ErrUserNotFound is returned for a user id or email that has no account.
	ErrUserNotFound = &Error{Code: ENOTFOUND, Message: "User not found"}
	// ErrEmailTaken is returned when registering an email that has an account.
	ErrEmailTaken = &Error{Code: ECONFLICT, Message: "Email already registered"}
	// ErrAlreadyMember is returned when adding a user who is already a member.
	ErrAlreadyMember = &Error{Code: ECONFLICT, Message: "User is already a member"}
	// ErrLastOwner is returned when a change would leave an organization
	// without an owner.
	ErrLastOwner = &Error{Code: ECONFLICT, Message: "An organization must keep at least one owner"}
	// ErrAssigneeNotMember is returned when a task is assigned to a user who
	// is not a member of the task's tenant.
	ErrAssigneeNotMember = &Error{Code: EINVALID, Message: "assigned_user_id must be a member of the organization"}
	// ErrUnavailable wraps an error that says the database cannot be reached
	// (connection refused or lost, server shutting down); the request may
	// succeed if tried again later.
	ErrUnavailable = &Error{Code: EUNAVAILABLE, Message: "The service is unavailable; try again shortly"}
	// ErrVersionMismatch is returned when a change names a version of a task
	// that is no longer current.
	ErrVersionMismatch = &Error{Code: EPRECONDITION, Message: "The task has changed since that version"}
	// ErrSessionNotFound is returned for an unknown, expired or deleted session.
	ErrSessionNotFound = &Error{Code: EUNAUTHORIZED, Message: MsgNotAuthed}
	// ErrAPITokenNotFound is returned for an API token that is not the
	// user's, or no longer exists, or (when used) has expired.
	ErrAPITokenNotFound = &Error{Code: ENOTFOUND, Message: "API token not found"}
	// ErrTOTPNotFound is returned when the user has no two-factor secret,
	// or none pending when one is confirmed.
	ErrTOTPNotFound = &Error{Code: ENOTFOUND, Message: "Two-factor sign-in is not set up"}
	// ErrTOTPEnabled is returned when enrolling a user whose two-factor
	// sign-in is on already.
	ErrTOTPEnabled = &Error{Code: ECONFLICT, Message: "Two-factor sign-in is already on; disable it first"}
)

// ErrIdempotencyMismatch is returned when an Idempotency-Key is used again
// with another request body. The message names the header, never the body.
var ErrIdempotencyMismatch = &Error{Code: EINVALID, Message: "The Idempotency-Key was already used with another request body"}
