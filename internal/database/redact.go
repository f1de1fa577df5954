package database

import (
	"net/url"
	"regexp"
	"strings"
)

// redacted replaces a secret in a DSN fit for a log line.
const redacted = "xxxxx"

// secretParams are the libpq connection parameters whose values are
// secrets: the password itself and the passphrase of the client key.
// Compared lower-cased: pgconn reads them case-sensitively, but a
// misspelt-case secret is still a secret.
var secretParams = map[string]bool{"password": true, "sslpassword": true}

// Redact returns dsn fit for a log line: a PostgreSQL URL loses the
// password in its user info and the value of every secret-bearing query
// parameter (password, sslpassword); a keyword/value string
// (`host=... password=...`) loses the same values. Anything else (a SQLite
// file path) is returned as it is.
func Redact(dsn string) string {
	if IsPostgres(dsn) && !IsKeywordDSN(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return "postgres://(unparsable URL)"
		}
		if q, err := url.ParseQuery(u.RawQuery); err == nil {
			changed := false
			for k := range q {
				if secretParams[strings.ToLower(k)] {
					q[k] = []string{redacted}
					changed = true
				}
			}
			if changed {
				u.RawQuery = q.Encode()
			}
		} else if secretQuery.MatchString(u.RawQuery) {
			// An unparsable query that may hold a secret is dropped whole.
			u.RawQuery = redacted
		}
		return u.Redacted()
	}
	return keywordSecret.ReplaceAllString(dsn, "${1}"+redacted)
}

// secretQuery finds a secret parameter in a raw URL query.
var secretQuery = regexp.MustCompile(`(?i)(?:^|[&;])(?:ssl)?password=`)

// keywordSecret matches `password = value` in a libpq keyword/value string,
// where value is a single-quoted string (with backslash escapes) or runs to
// the next white space. The first group keeps the key and its equals sign.
var keywordSecret = regexp.MustCompile(`(?i)(\b(?:ssl)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|[^\s']\S*|)`)
