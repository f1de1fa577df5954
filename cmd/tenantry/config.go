package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tenantry/tenantry/internal/database"
)

// minSecretLen is the shortest signing secret accepted: 32 bytes, the size
// of HS256's output.
const minSecretLen = 32

// envSecret returns the token signing secret from TENANTRY_SECRET, checked.
// It returns nil, and no error, when a SQLite database may keep its secret
// in a file instead (fileSecret); PostgreSQL requires the variable.
func envSecret(getenv func(string) string, dsn string) ([]byte, error) {
	if s := getenv("TENANTRY_SECRET"); s != "" {
		if len(s) < minSecretLen {
			return nil, fmt.Errorf("TENANTRY_SECRET must be at least %d characters (try: openssl rand -hex 32)", minSecretLen)
		}
		return []byte(s), nil
	}
	if database.IsPostgres(dsn) {
		return nil, errors.New("TENANTRY_SECRET is required with PostgreSQL, so that every replica signs and checks tokens with the same key (try: export TENANTRY_SECRET=$(openssl rand -hex 32))")
	}
	return nil, nil
}

// fileSecret returns the secret kept in the file beside the SQLite database
// dsn, generated on first use. created reports whether the file was just
// made.
func fileSecret(dsn string) (secret []byte, created bool, err error) {
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
		return fileSecret(dsn)
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

// dbHint says what -db accepts.
const dbHint = `want a SQLite file path (tenantry.db, ./data/t.db), a PostgreSQL URL (postgres://user@host/db) or a PostgreSQL keyword string ("host=… user=… dbname=…")`

// checkDB refuses a -db value that is neither a SQLite file path nor a
// PostgreSQL database, and a SQLite path whose directory cannot hold the
// database, before anything is created. from names the flag or variable the
// value came from.
func checkDB(from, dsn string) error {
	if database.IsPostgres(dsn) {
		return nil
	}
	switch {
	case strings.TrimSpace(dsn) == "":
		return fmt.Errorf("%s is empty: %s", from, dbHint)
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return fmt.Errorf("%s: %q URLs are not supported: %s", from, scheme, dbHint)
	case strings.HasPrefix(dsn, "file:") || strings.ContainsRune(dsn, '?') || strings.Contains(dsn, ":memory:"):
		return fmt.Errorf("%s %q is not a plain file path (no file: URIs, ?options or :memory:): %s", from, dsn, dbHint)
	}
	dir := filepath.Dir(dsn)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: directory %s does not exist", from, dir)
	case err != nil:
		return fmt.Errorf("%s: directory %s: %w", from, dir, err)
	case !fi.IsDir():
		return fmt.Errorf("%s: %s is not a directory", from, dir)
	case !writable(dir):
		return fmt.Errorf("%s: directory %s is read-only to this user; SQLite needs to create the database, its lock and its journal there", from, dir)
	}
	if fi, err := os.Stat(dsn); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("%s: %s is a directory, not a database file", from, dsn)
		}
		if !writable(dsn) {
			return fmt.Errorf("%s: database file %s is read-only to this user", from, dsn)
		}
	}
	return nil
}
