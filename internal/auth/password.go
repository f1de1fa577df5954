package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP minimum (19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19456 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32

	// Upper bounds accepted when reading a stored hash, so a corrupted or
	// hostile row cannot make one verification eat the machine.
	maxArgonMemory  = 1 << 20 // 1 GiB in KiB
	maxArgonTime    = 16
	maxArgonThreads = 16
)

// dummyHash is a valid hash of a random password nobody knows. Verifying
// against it costs what a real verification costs, so an unknown email and a
// wrong password take the same time.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$dCRzHrQXSxjZqas128/SAA$UFzTdBqRYJiPp9kdjYtogHMIdphEu+qtmhJOeavJlSE"

// ErrMalformedHash is returned for a stored hash that is not an argon2id PHC
// string this package can read.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// HashPassword returns the argon2id hash of pw in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches hash, comparing in constant time.
// It returns an error only for a hash it cannot read.
func VerifyPassword(hash, pw string) (bool, error) {
	p, err := parseHash(hash)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// VerifyNoUser spends the work of one VerifyPassword and returns false. Call
// it when the account does not exist, so that the answer takes the same time
// and shape as a wrong password.
func VerifyNoUser(pw string) {
	_, _ = VerifyPassword(dummyHash, pw)
}

type phc struct {
	memory  uint32
	time    uint32
	threads uint8
	salt    []byte
	key     []byte
}

func parseHash(hash string) (phc, error) {
	var p phc
	parts := strings.Split(hash, "$")
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, key
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, ErrMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, ErrMalformedHash
	}
	var threads uint32
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &threads); err != nil || n != 3 {
		return p, ErrMalformedHash
	}
	if p.memory == 0 || p.memory > maxArgonMemory || p.time == 0 || p.time > maxArgonTime ||
		threads == 0 || threads > maxArgonThreads {
		return p, ErrMalformedHash
	}
	p.threads = uint8(threads)
	var err error
	if p.salt, err = base64.RawStdEncoding.DecodeString(parts[4]); err != nil || len(p.salt) < 8 {
		return p, ErrMalformedHash
	}
	if p.key, err = base64.RawStdEncoding.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, ErrMalformedHash
	}
	return p, nil
}
