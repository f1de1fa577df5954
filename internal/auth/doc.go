// Package auth holds Tenantry's credentials: argon2id password hashes and
// signed, short-lived access tokens. It knows nothing about HTTP or storage.
package auth
