// Package database opens the store that a -db value names, ready to serve:
// SQLite for a file path, PostgreSQL for a postgres:// URL, wrapped in the
// token cache that answers the per-request credential check from memory.
package database

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/tenantry/tenantry"
	"github.com/tenantry/tenantry/internal/authcache"
	"github.com/tenantry/tenantry/internal/postgres"
	"github.com/tenantry/tenantry/internal/sqlite"
)

// SQLiteAuthTTL bounds how long a cached credential check may be served on
// SQLite. One process owns the file and sees every change as it happens, so
// the TTL only matters for changes made to the file behind its back.
const SQLiteAuthTTL = time.Minute

// Options tune Open.
type Options struct {
	// Logger receives the token cache's listener trouble.
	Logger *slog.Logger
	// NoAuthCache serves every credential check from the database.
	NoAuthCache bool
}

// IsPostgres reports whether dsn names a PostgreSQL database: a
// postgres:// or postgresql:// URL, or a keyword/value string such as
// "host=db user=app dbname=tenantry", which pgx parses as libpq does.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") || IsKeywordDSN(dsn)
}

// keywordDSN is the start of a libpq keyword/value string: a keyword, then
// '='. A SQLite path that happens to look like one can be written ./a=b.
var keywordDSN = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// IsKeywordDSN reports whether dsn is a PostgreSQL keyword/value string
// rather than a URL or a file path.
func IsKeywordDSN(dsn string) bool { return keywordDSN.MatchString(dsn) }

// keywordSecret is a password in a keyword/value string, quoted or not.
var keywordSecret = regexp.MustCompile(`(?i)\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)

// Redact returns dsn fit for a log line: a URL loses its password.
func Redact(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	if IsKeywordDSN(dsn) {
		return keywordSecret.ReplaceAllString(dsn, "${1}xxxxx")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	return u.Redacted()
}

// Open opens the store dsn names. A SQLite file is created and migrated; a
// PostgreSQL database must have been migrated already, and postgres.Open
// refuses a role that could bypass row-level security. On PostgreSQL the
// token cache joins the other replicas through LISTEN/NOTIFY, so a logout,
// password change or account deletion on one is seen by all at once (within
// authcache.DefaultTTL if the notification channel is down).
func Open(ctx context.Context, dsn string, opts Options) (tenantry.Store, error) {
	var (
		store tenantry.Store
		err   error
	)
	pg := IsPostgres(dsn)
	if pg {
		store, err = postgres.Open(ctx, dsn)
	} else {
		store, err = sqlite.Open(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	if opts.NoAuthCache {
		return store, nil
	}
	cacheOpts := authcache.Options{Logger: opts.Logger}
	if !pg {
		cacheOpts.TTL = SQLiteAuthTTL
	}
	cache := authcache.New(store, cacheOpts)
	if pg {
		if err := cache.Listen(ctx, dsn); err != nil {
			store.Close()
			return nil, fmt.Errorf("token cache: %w", err)
		}
	}
	return cache, nil
}
