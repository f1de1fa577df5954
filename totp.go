package tenantry

import "time"

// TOTP is a user's two-factor secret (RFC 6238). It is pending until a first
// code confirms it; from then on, signing in needs a code.
type TOTP struct {
	Secret  string // base32, as authenticator apps take it
	Enabled bool
	// LastStep is the last 30-second time step a code was accepted for: a
	// code of that step or an earlier one is refused, so none works twice.
	LastStep  int64
	CreatedAt time.Time
}

// RecoveryCodes is how many single-use recovery codes confirming TOTP gives.
const RecoveryCodes = 10
