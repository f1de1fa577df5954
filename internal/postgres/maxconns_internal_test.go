package postgres

import (
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// TestSetMaxConns: the pool size comes from the URL, or the option, or the
// default, and a size set in both places is refused rather than one of
// them silently ignored.
func TestSetMaxConns(t *testing.T) {
	for _, c := range []struct {
		url     string
		max     int32
		want    int32
		wantErr string
	}{
		{url: "postgres://app@db/tenantry", want: DefaultMaxConns},
		{url: "postgres://app@db/tenantry", max: 12, want: 12},
		{url: "postgres://app@db/tenantry?sslmode=disable&pool_max_conns=3", want: 3},
		{url: "host=db user=app pool_max_conns=5", want: 5},
		{url: "host=db user=app", max: 6, want: 6},
		{url: "postgres://app@db/tenantry?pool_max_conns=3", max: 12, wantErr: "set twice"},
		{url: "host=db pool_max_conns = 3", max: 12, wantErr: "set twice"},
		{url: "postgres://app@db/tenantry", max: -1, wantErr: "negative"},
	} {
		cfg, err := pgxpool.ParseConfig(c.url)
		if err != nil {
			t.Fatalf("%s: %v", c.url, err)
		}
		err = setMaxConns(cfg, c.url, c.max)
		switch {
		case c.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s, %d: error %v, want %q", c.url, c.max, err, c.wantErr)
			}
		case err != nil:
			t.Errorf("%s, %d: %v", c.url, c.max, err)
		case cfg.MaxConns != c.want:
			t.Errorf("%s, %d: MaxConns %d, want %d", c.url, c.max, cfg.MaxConns, c.want)
		}
	}
}
