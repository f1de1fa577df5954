package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/tenantry/tenantry/internal/database"
)

// minSecretLen is the shortest signing secret accepted: 32 bytes, the size
// of HS256's output.
const minSecretLen = 32

// loadSecret returns the token signing secret: TENANTRY_SECRET when set;
// otherwise, for SQLite only, the secret kept in a file beside the database,
// generated on first use. created reports whether the file was just made.
func loadSecret(getenv func(string) string, dsn string) (secret []byte, created bool, err error) {
	if s := getenv("TENANTRY_SECRET"); s != "" {
		if len(s) < minSecretLen {
			return nil, false, fmt.Errorf("TENANTRY_SECRET must be at least %d characters (try: openssl rand -hex 32)", minSecretLen)
		}
		return []byte(s), false, nil
	}
	if database.IsPostgres(dsn) {
		return nil, false, errors.New("TENANTRY_SECRET is required with PostgreSQL, so that every replica signs and checks tokens with the same key (try: export TENANTRY_SECRET=$(openssl rand -hex 32))")
	}
	path := dsn + ".secret"
	b, err := os.ReadFile(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < minSecretLen {
			return nil, false, fmt.Errorf("secret file %s is shorter than %d characters", path, minSecretLen)
		}
		return []byte(s), false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, fmt.Errorf("read secret file: %w", err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, false, fmt.Errorf("generate secret: %w", err)
	}
	s := hex.EncodeToString(raw)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process made it first: use theirs.
		return loadSecret(getenv, dsn)
	} else if err != nil {
		return nil, false, fmt.Errorf("create secret file: %w", err)
	}
	if _, err := f.WriteString(s + "\n"); err != nil {
		f.Close()
		return nil, false, fmt.Errorf("write secret file: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("write secret file: %w", err)
	}
	return []byte(s), true, nil
}
