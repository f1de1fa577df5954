package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/server"
)

func parseLimits(t *testing.T, args []string, env map[string]string) (server.Limits, error) {
	t.Helper()
	fs := newFlags("serve", func(k string) string { return env[k] })
	fs.SetOutput(io.Discard)
	limits := limitFlags(fs)
	if err := fs.parse(args); err != nil {
		return server.Limits{}, err
	}
	return limits()
}

func TestLimitFlags(t *testing.T) {
	t.Parallel()
	d := server.DefaultLimits()
	l, err := parseLimits(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l.IPPerMinute != d.IPPerMinute || l.AccountBurst != d.AccountBurst || l.HashConcurrency != d.HashConcurrency ||
		l.TenantInFlight != d.TenantInFlight || l.UserPerSecond != d.UserPerSecond || len(l.TrustedProxies) != 0 {
		t.Fatalf("defaults: %+v, want %+v", l, d)
	}

	l, err = parseLimits(t, []string{"-signin-ip-rate=0", "-tenant-wait=2s", "-trusted-proxies=10.0.0.0/8,::1"},
		map[string]string{"TENANTRY_USER_RATE": "50"})
	if err != nil {
		t.Fatal(err)
	}
	if l.IPPerMinute != 0 || l.TenantWait != 2*time.Second || l.UserPerSecond != 50 || len(l.TrustedProxies) != 2 {
		t.Fatalf("given: %+v", l)
	}

	// off turns off every limit not given explicitly.
	for _, c := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"-rate-limit=off", "-hash-concurrency=3"}, nil},
		{nil, map[string]string{"TENANTRY_RATE_LIMIT": "off", "TENANTRY_HASH_CONCURRENCY": "3"}},
	} {
		l, err = parseLimits(t, c.args, c.env)
		if err != nil {
			t.Fatal(err)
		}
		if l.IPPerMinute != 0 || l.AccountPerMinute != 0 || l.UserPerSecond != 0 || l.TenantInFlight != 0 || l.HashConcurrency != 3 {
			t.Fatalf("off with -hash-concurrency=3: %+v", l)
		}
	}

	for _, c := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-rate-limit=maybe"}, nil, "-rate-limit"},
		{nil, map[string]string{"TENANTRY_RATE_LIMIT": "no"}, "TENANTRY_RATE_LIMIT"},
		{[]string{"-trusted-proxies=10.0.0.0/99"}, nil, "-trusted-proxies"},
		{nil, map[string]string{"TENANTRY_TENANT_IN_FLIGHT": "-1"}, "TENANTRY_TENANT_IN_FLIGHT"},
	} {
		if _, err := parseLimits(t, c.args, c.env); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: error %v, want one naming %s", c.args, c.env, err, c.want)
		}
	}
}
