package server

import (
	"net/mail"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// bareEmail returns s as the one form an account's email is known by: a
// bare address (no display name, comment or angle brackets, which
// net/mail accepts and which would make "x <a@b.co>" a login distinct from
// "a@b.co"), trimmed and lower-cased. ok is false for anything else,
// control characters included (PostgreSQL cannot store a NUL).
func bareEmail(s string) (email string, ok bool) {
	s = strings.TrimSpace(s)
	for _, c := range []byte(s) {
		if c < 0x20 || c == 0x7f {
			return "", false
		}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", false
	}
	return strings.ToLower(s), true
}

const msgNotBareEmail = "must be a bare email address, such as name@example.com"

// resolveEmail replaces *email with its bare form, or returns the rule
// error at loc.
func resolveEmail(email *string, loc string) []error {
	e, ok := bareEmail(*email)
	if !ok {
		return []error{ruleError(loc, "email "+msgNotBareEmail)}
	}
	*email = e
	return nil
}

// Resolve accepts only a bare email address, normalised.
func (r *RegisterIn) Resolve(huma.Context, *huma.PathBuffer) []error {
	return resolveEmail(&r.Email, "body.email")
}

// Resolve accepts only a bare email address, normalised.
func (l *LoginIn) Resolve(huma.Context, *huma.PathBuffer) []error {
	return resolveEmail(&l.Email, "body.email")
}
