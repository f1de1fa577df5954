package database

import (
	"strings"
	"testing"
)

func TestIsPostgres(t *testing.T) {
	for dsn, want := range map[string]bool{
		"postgres://u@h/db":           true,
		"postgresql://u@h/db":         true,
		"host=/tmp user=app dbname=t": true,
		" host = db port=5432":        true,
		"dbname=tenantry":             true,
		"tenantry.db":                 false,
		"./a=b.db":                    false,
		"/var/lib/tenantry/data.db":   false,
		"dir with space/x.db":         false,
	} {
		if got := IsPostgres(dsn); got != want {
			t.Errorf("IsPostgres(%q) = %v, want %v", dsn, got, want)
		}
	}
}

func TestRedactKeywordDSN(t *testing.T) {
	for _, dsn := range []string{
		"host=db user=app password=hunter2 dbname=t",
		"host=db password = hunter2",
		`host=db password='hun ter\'2' dbname=t`,
		"host=db sslpassword=hunter2",
		"host=db PASSWORD=hunter2",
	} {
		got := Redact(dsn)
		if strings.Contains(got, "hunter2") || strings.Contains(got, "hun ter") {
			t.Errorf("Redact(%q) = %q, still holds the password", dsn, got)
		}
		if !strings.Contains(got, "host=db") {
			t.Errorf("Redact(%q) = %q, lost the host", dsn, got)
		}
	}
}
