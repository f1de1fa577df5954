package server

import (
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/tenantry/tenantry"
)

// Request and response bodies. Every body is a named type: anonymous huma
// bodies get names like <OperationId>Response, which collide with the types
// client generators emit. Input bodies have no owner fields (id, user_id,
// org_id, tenant_id): the tenant always comes from the path and the caller,
// and an unknown field is refused, so a body can never move data across
// tenants.

// Patterns that refuse control characters. A title is one line; a
// description may hold tabs and line breaks.
const (
	titlePattern       = `^[^\x00-\x1f\x7f]*$`
	descriptionPattern = `^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$`
	namePattern        = titlePattern
)

// RegisterIn creates an account.
type RegisterIn struct {
	Email    string `json:"email" format:"email" maxLength:"254" doc:"The account's email; stored lower-cased."`
	Password string `json:"password" minLength:"8" maxLength:"1024" doc:"At least 8 characters."`
}

// LoginIn opens a cookie session.
type LoginIn struct {
	Email    string `json:"email" maxLength:"254"`
	Password string `json:"password" maxLength:"1024"`
	TOTP     string `json:"totp,omitempty" maxLength:"32" doc:"With two-factor sign-in on: the code, or a recovery code."`
}

// TokenForm is the OAuth2 password grant form of POST /auth/token.
type TokenForm struct {
	GrantType string `json:"grant_type,omitempty" enum:"password" doc:"Optional; \"password\" if given."`
	Username  string `json:"username" doc:"The account's email."`
	Password  string `json:"password"`
	TOTP      string `json:"totp,omitempty" doc:"With two-factor sign-in on: the code, or a recovery code. Without it, the right password gets a 401 with mfa_required: true."`
	Scope     string `json:"scope,omitempty" doc:"Ignored."`
	// OAuth2 clients may send their credentials in the form (RFC 6749
	// 2.3.1); there are no registered clients, so both are ignored.
	ClientID     string `json:"client_id,omitempty" doc:"Ignored: there are no registered clients."`
	ClientSecret string `json:"client_secret,omitempty" doc:"Ignored: there are no registered clients." writeOnly:"true"`
}

// PasswordIn changes the caller's password.
type PasswordIn struct {
	CurrentPassword string `json:"current_password" maxLength:"1024"`
	NewPassword     string `json:"new_password" minLength:"8" maxLength:"1024" doc:"At least 8 characters."`
}

// DeleteMeIn confirms the deletion of the caller's account.
type DeleteMeIn struct {
	Password string `json:"password" maxLength:"1024" doc:"The account's current password."`
}

// UserOut is an account.
type UserOut struct {
	ID        uuid.UUID `json:"id" format:"uuid"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
}

func userOut(u tenantry.User) UserOut {
	return UserOut{ID: u.ID, Email: u.Email, CreatedAt: u.CreatedAt.UTC()}
}

// TokenOut is an OAuth2 token response.
type TokenOut struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type" enum:"bearer"`
	ExpiresIn   int64  `json:"expires_in" doc:"Seconds until the token expires."`
}

// TaskIn creates or replaces a personal task.
type TaskIn struct {
	Title       string  `json:"title" minLength:"1" maxLength:"200" pattern:"^[^\\x00-\\x1f\\x7f]*$" patternDescription:"no control characters" doc:"1 to 200 characters, not blank, one line."`
	Description *string `json:"description,omitempty" required:"false" nullable:"true" maxLength:"5000" pattern:"^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$" patternDescription:"no control characters but tab and line breaks" doc:"At most 5000 characters."`
	Completed   bool    `json:"completed,omitempty" required:"false" doc:"False if absent."`
}

// Resolve refuses a blank title, which the schema cannot express.
func (t *TaskIn) Resolve(huma.Context, *huma.PathBuffer) []error {
	return checkTitle(t.Title)
}

// OrgTaskIn creates or replaces an organization's task.
type OrgTaskIn struct {
	Title          string     `json:"title" minLength:"1" maxLength:"200" pattern:"^[^\\x00-\\x1f\\x7f]*$" patternDescription:"no control characters" doc:"1 to 200 characters, not blank, one line."`
	Description    *string    `json:"description,omitempty" required:"false" nullable:"true" maxLength:"5000" pattern:"^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$" patternDescription:"no control characters but tab and line breaks" doc:"At most 5000 characters."`
	Completed      bool       `json:"completed,omitempty" required:"false" doc:"False if absent."`
	AssignedUserID *uuid.UUID `json:"assigned_user_id,omitempty" format:"uuid" required:"false" nullable:"true" doc:"A member of the organization, or null."`
}

// Resolve refuses a blank title, which the schema cannot express.
func (t *OrgTaskIn) Resolve(huma.Context, *huma.PathBuffer) []error {
	return checkTitle(t.Title)
}

// TaskPatchIn changes some fields of a personal task; absent fields are
// left alone, and a null description clears it.
type TaskPatchIn struct {
	Title       PatchTitle       `json:"title,omitzero" required:"false" doc:"1 to 200 characters, not blank, one line; not null."`
	Description PatchDescription `json:"description,omitzero" required:"false" doc:"At most 5000 characters; null clears it."`
	Completed   PatchBool        `json:"completed,omitzero" required:"false" doc:"Not null."`
}

// Resolve refuses a null or blank title and a null completed, which the
// schema cannot express for optional fields.
func (t *TaskPatchIn) Resolve(huma.Context, *huma.PathBuffer) []error {
	return checkPatch(t.Title, t.Completed)
}

// OrgTaskPatchIn changes some fields of an organization's task; absent
// fields are left alone, and null clears description or assignee.
type OrgTaskPatchIn struct {
	Title          PatchTitle       `json:"title,omitzero" required:"false" doc:"1 to 200 characters, not blank, one line; not null."`
	Description    PatchDescription `json:"description,omitzero" required:"false" doc:"At most 5000 characters; null clears it."`
	Completed      PatchBool        `json:"completed,omitzero" required:"false" doc:"Not null."`
	AssignedUserID PatchAssignee    `json:"assigned_user_id,omitzero" required:"false" doc:"A member of the organization; null unassigns."`
}

// Resolve refuses a null or blank title and a null completed.
func (t *OrgTaskPatchIn) Resolve(huma.Context, *huma.PathBuffer) []error {
	return checkPatch(t.Title, t.Completed)
}

func checkPatch(title PatchTitle, completed PatchBool) []error {
	var errs []error
	if title.Set && title.Value == nil {
		errs = append(errs, ruleError("body.title", "title must not be null"))
	} else if title.Value != nil {
		errs = append(errs, checkTitle(*title.Value)...)
	}
	if completed.Set && completed.Value == nil {
		errs = append(errs, ruleError("body.completed", "completed must not be null"))
	}
	return errs
}

func checkTitle(title string) []error {
	if strings.TrimFunc(title, unicode.IsSpace) == "" {
		return []error{ruleError("body.title", "title must not be blank")}
	}
	return nil
}

// TaskOut is a personal task.
type TaskOut struct {
	ID          uuid.UUID `json:"id" format:"uuid"`
	UserID      uuid.UUID `json:"user_id" format:"uuid"`
	Title       string    `json:"title"`
	Description *string   `json:"description" nullable:"true"`
	Completed   bool      `json:"completed"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func taskOut(t tenantry.Task) TaskOut {
	return TaskOut{
		ID: t.ID, UserID: t.TenantID, Title: t.Title, Description: t.Description, Completed: t.Completed,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
	}
}

// OrgTaskOut is an organization's task.
type OrgTaskOut struct {
	ID             uuid.UUID  `json:"id" format:"uuid"`
	OrgID          uuid.UUID  `json:"org_id" format:"uuid"`
	Title          string     `json:"title"`
	Description    *string    `json:"description" nullable:"true"`
	AssignedUserID *uuid.UUID `json:"assigned_user_id" format:"uuid" nullable:"true"`
	Completed      bool       `json:"completed"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

func orgTaskOut(t tenantry.Task) OrgTaskOut {
	return OrgTaskOut{
		ID: t.ID, OrgID: t.TenantID, Title: t.Title, Description: t.Description, AssignedUserID: t.AssignedUserID,
		Completed: t.Completed, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
	}
}

// DeletedOut says how many tasks a bulk delete removed.
type DeletedOut struct {
	DeletedCount int64 `json:"deleted_count"`
}

// OrgIn creates an organization.
type OrgIn struct {
	Name string `json:"name" minLength:"1" maxLength:"100" pattern:"^[^\\x00-\\x1f\\x7f]*$" patternDescription:"no control characters" doc:"1 to 100 characters, not blank."`
}

// Resolve refuses a blank name.
func (o *OrgIn) Resolve(huma.Context, *huma.PathBuffer) []error {
	if strings.TrimFunc(o.Name, unicode.IsSpace) == "" {
		return []error{ruleError("body.name", "name must not be blank")}
	}
	return nil
}

// OrgOut is an organization as one of its members sees it.
type OrgOut struct {
	ID        uuid.UUID `json:"id" format:"uuid"`
	Name      string    `json:"name"`
	Role      string    `json:"role" enum:"owner,admin,member" doc:"The caller's role."`
	CreatedAt time.Time `json:"created_at"`
}

func orgOut(t tenantry.Tenant, role tenantry.Role) OrgOut {
	return OrgOut{ID: t.ID, Name: t.Name, Role: string(role), CreatedAt: t.CreatedAt.UTC()}
}

// MemberIn adds a member, named by exactly one of email and user_id.
type MemberIn struct {
	Email  string     `json:"email,omitempty" required:"false" maxLength:"254" doc:"The new member's email (or give user_id)."`
	UserID *uuid.UUID `json:"user_id,omitempty" format:"uuid" required:"false" doc:"The new member's user id (or give email)."`
	Role   string     `json:"role" enum:"owner,admin,member" doc:"Only owners may add owners."`
}

// Resolve requires exactly one of email and user_id, and an email to be a
// bare address.
func (m *MemberIn) Resolve(huma.Context, *huma.PathBuffer) []error {
	if (m.Email == "") == (m.UserID == nil) {
		return []error{ruleError("body", "give exactly one of email and user_id")}
	}
	if m.Email != "" {
		return resolveEmail(&m.Email, "body.email")
	}
	return nil
}

// RoleIn changes a member's role.
type RoleIn struct {
	Role string `json:"role" enum:"owner,admin,member" doc:"Only owners may grant or take away the owner role."`
}

// MemberOut is a member of an organization.
type MemberOut struct {
	UserID    uuid.UUID `json:"user_id" format:"uuid"`
	Email     string    `json:"email"`
	Role      string    `json:"role" enum:"owner,admin,member"`
	CreatedAt time.Time `json:"created_at" doc:"When the user joined."`
}

func memberOut(m tenantry.Member) MemberOut {
	return MemberOut{UserID: m.UserID, Email: m.Email, Role: string(m.Role), CreatedAt: m.CreatedAt.UTC()}
}

// HealthOut is the answer of the health checks.
type HealthOut struct {
	Status string `json:"status" enum:"ok"`
}

// patchField is a field of a PATCH body: Set tells a field that was given
// (null included, with a nil Value) from one that was absent.
type patchField[T any] struct {
	Set   bool
	Value *T
}

// UnmarshalJSON records that the field was present.
func (p *patchField[T]) UnmarshalJSON(b []byte) error {
	p.Set = true
	return json.Unmarshal(b, &p.Value)
}

// PatchDescription is a description in a PATCH body: null clears it.
type PatchDescription struct{ patchField[string] }

// Schema is a nullable description.
func (PatchDescription) Schema(huma.Registry) *huma.Schema {
	max := tenantry.MaxDescriptionLen
	return &huma.Schema{
		Type: huma.TypeString, Nullable: true, MaxLength: &max,
		Pattern: descriptionPattern, PatternDescription: "no control characters but tab and line breaks",
	}
}

// PatchAssignee is an assignee in a PATCH body: null unassigns.
type PatchAssignee struct{ patchField[uuid.UUID] }

// Schema is a nullable user id.
func (PatchAssignee) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeString, Nullable: true, Format: "uuid"}
}

// PatchTitle is a title in a PATCH body; null is refused.
type PatchTitle struct{ patchField[string] }

// Schema is a title.
func (PatchTitle) Schema(huma.Registry) *huma.Schema {
	minLen, maxLen := 1, tenantry.MaxTitleLen
	return &huma.Schema{
		Type: huma.TypeString, MinLength: &minLen, MaxLength: &maxLen,
		Pattern: titlePattern, PatternDescription: "no control characters",
	}
}

// PatchBool is a boolean in a PATCH body; null is refused.
type PatchBool struct{ patchField[bool] }

// Schema is a boolean.
func (PatchBool) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeBoolean}
}
