package database

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		dsn, want string
	}{
		{"tenantry.db", "tenantry.db"},
		{"/var/lib/tenantry/data.db", "/var/lib/tenantry/data.db"},
		{"postgres://app:s3cret@db:5432/tenantry", "postgres://app:xxxxx@db:5432/tenantry"},
		{"postgres://app@db/tenantry?password=s3cret", "postgres://app@db/tenantry?password=xxxxx"},
		{"postgresql://db/tenantry?sslmode=verify-full&sslpassword=s3cret&sslkey=/k.pem",
			"postgresql://db/tenantry?sslkey=%2Fk.pem&sslmode=verify-full&sslpassword=xxxxx"},
		{"postgres://db/tenantry?PASSWORD=s3cret", "postgres://db/tenantry?PASSWORD=xxxxx"},
		{"postgres://u:p1@db/t?password=s3cret&password=s3cret2", "postgres://u:xxxxx@db/t?password=xxxxx"},
		{"postgres://db/t?pool_max_conns=4", "postgres://db/t?pool_max_conns=4"},
		{"postgres://db/t?password=s3cret%zz", "postgres://db/t?xxxxx"},
		{"host=db user=app password=s3cret dbname=tenantry", "host=db user=app password=xxxxx dbname=tenantry"},
		{"host=db password = s3cret dbname=t", "host=db password = xxxxx dbname=t"},
		{`host=db password='s3 cr\'et' dbname=t`, "host=db password=xxxxx dbname=t"},
		{"host=db sslpassword=s3cret", "host=db sslpassword=xxxxx"},
		{"host=db PassWord=s3cret", "host=db PassWord=xxxxx"},
		{"password=s3cret", "password=xxxxx"},
	} {
		got := Redact(c.dsn)
		if got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.dsn, got, c.want)
		}
		if strings.Contains(got, "s3") || strings.Contains(got, "p1") {
			t.Errorf("Redact(%q) = %q still holds the secret", c.dsn, got)
		}
	}
}
