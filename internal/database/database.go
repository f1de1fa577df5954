// Package database opens the store that a -db value names, ready to serve:
// SQLite for a file path, PostgreSQL for a postgres:// URL, wrapped in the
// token cache that answers the per-request credential check from memory.
package database

import (
	"context"
	"fmt"
	"log/slog"
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
	// PurgeEvery is how often expired sessions (and old audit entries and
	// expired Idempotency-Keys) are deleted in the background:
	// DefaultPurgeEvery when zero, never when negative.
	PurgeEvery time.Duration
	// PurgeTicks, when set, replaces the PurgeEvery ticker (for tests).
	PurgeTicks <-chan time.Time
	// SessionIdle, when positive, makes the purge also delete sessions
	// unused for longer than this. It must not be shorter than the
	// server's idle limit; when zero, only sessions past their absolute
	// expiry are purged.
	SessionIdle time.Duration
	// AuditRetention is how long audit entries are kept: the purge deletes
	// older ones. tenantry.DefaultAuditRetention when zero, forever when
	// negative; never less than tenantry.MinAuditRetention.
	AuditRetention time.Duration
	// MaxConns is PostgreSQL's pool size (postgres.Options.MaxConns): zero
	// for the URL's pool_max_conns or postgres.DefaultMaxConns.
	MaxConns int32
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

// Open opens the store dsn names. A SQLite file is created and migrated; a
// PostgreSQL database must have been migrated already, and postgres.Open
// refuses a role that could bypass row-level security. On PostgreSQL the
// token cache joins the other replicas through LISTEN/NOTIFY, so a logout,
// password change or account deletion on one is seen by all at once (within
// authcache.DefaultTTL, 5 s, if a replica's listener is down).
func Open(ctx context.Context, dsn string, opts Options) (tenantry.Store, error) {
	var (
		store tenantry.Store
		err   error
	)
	pg := IsPostgres(dsn)
	if pg {
		store, err = postgres.OpenWith(ctx, dsn, postgres.Options{MaxConns: opts.MaxConns})
	} else {
		store, err = sqlite.Open(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	if p, ok := store.(sessionPurger); ok && opts.PurgeEvery >= 0 {
		ticks, release := opts.PurgeTicks, func() {}
		if ticks == nil {
			every := opts.PurgeEvery
			if every == 0 {
				every = DefaultPurgeEvery
			}
			t := time.NewTicker(every)
			ticks, release = t.C, t.Stop
		}
		if a, ok := store.(auditPruner); ok && opts.AuditRetention >= 0 {
			retention := opts.AuditRetention
			if retention == 0 {
				retention = tenantry.DefaultAuditRetention
			}
			p = prunesAudit(p, a, retention, logger(opts))
		}
		if k, ok := store.(idempotencyPurger); ok {
			p = purgesIdempotencyKeys(p, k, logger(opts))
		}
		store = startPurge(store, p, ticks, release, opts.SessionIdle, logger(opts))
	}
	if pg {
		// A server stopped or restarting answers 503, not 500.
		store = &unavailable{Store: store, lost: postgres.IsUnavailable}
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

// logger is opts.Logger, or slog.Default().
func logger(opts Options) *slog.Logger {
	if opts.Logger != nil {
		return opts.Logger
	}
	return slog.Default()
}
