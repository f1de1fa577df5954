package main

import (
	"fmt"

	"github.com/tenantry/tenantry/internal/server"
)

// limitFlags registers the flags of server.Limits on fs; the function it
// returns, called after fs.parse, builds the Limits they say. Every limit
// is on by default; 0 turns one off, and -rate-limit=off turns off every
// one not given explicitly.
func limitFlags(fs *flags) func() (server.Limits, error) {
	d := server.DefaultLimits()
	mode := fs.string("rate-limit", "TENANTRY_RATE_LIMIT", "on", "on, or off to turn off every limit below not given explicitly (to measure a bare baseline)")
	ipRate := fs.int("signin-ip-rate", "TENANTRY_SIGNIN_IP_RATE", int(d.IPPerMinute), "sign-ups, /auth/token and /auth/login per client address per minute (0: no limit)")
	ipBurst := fs.int("signin-ip-burst", "TENANTRY_SIGNIN_IP_BURST", d.IPBurst, "attempts a client address may make at once (0: no limit)")
	acctRate := fs.int("signin-account-rate", "TENANTRY_SIGNIN_ACCOUNT_RATE", int(d.AccountPerMinute), "sign-up and sign-in attempts per account (email) per minute, from any address (0: no limit)")
	acctBurst := fs.int("signin-account-burst", "TENANTRY_SIGNIN_ACCOUNT_BURST", d.AccountBurst, "attempts an account may take at once (0: no limit)")
	failCost := fs.int("signin-failure-cost", "TENANTRY_SIGNIN_FAILURE_COST", d.FailureCost, "attempts a failed sign-in costs the address and the account (a sign-up with an email in use: the address only); a success costs 1")
	userRate := fs.int("user-rate", "TENANTRY_USER_RATE", int(d.UserPerSecond), "authenticated requests per user per second (0: no limit)")
	userBurst := fs.int("user-burst", "TENANTRY_USER_BURST", d.UserBurst, "authenticated requests a user may send at once (0: no limit)")
	userWait := fs.duration("user-wait", "TENANTRY_USER_WAIT", d.UserWait, "how long a user's request over -user-rate may wait for its turn before 429 (0: refused at once)")
	inFlight := fs.int("tenant-in-flight", "TENANTRY_TENANT_IN_FLIGHT", d.TenantInFlight, "requests in flight per tenant; more wait -tenant-wait, then get 429 (0: no limit)")
	tenantWait := fs.duration("tenant-wait", "TENANTRY_TENANT_WAIT", d.TenantWait, "how long a tenant's request over -tenant-in-flight waits for a slot")
	hashes := fs.int("hash-concurrency", "TENANTRY_HASH_CONCURRENCY", d.HashConcurrency, "argon2id password computations at once, 19 MiB each (GOMAXPROCS by default; 0: no limit)")
	hashWait := fs.duration("hash-wait", "TENANTRY_HASH_WAIT", d.HashWait, "how long a sign-in waits for a password slot before 429")
	proxies := fs.string("trusted-proxies", "TENANTRY_TRUSTED_PROXIES", "", "comma-separated CIDRs of proxies whose X-Forwarded-For names the client; empty: the client is the peer address")
	return func() (server.Limits, error) {
		trusted, err := server.ParseTrustedProxies(*proxies)
		if err != nil {
			return server.Limits{}, fmt.Errorf("%s: %w", fs.source("trusted-proxies"), err)
		}
		l := server.Limits{
			IPPerMinute: float64(*ipRate), IPBurst: *ipBurst,
			AccountPerMinute: float64(*acctRate), AccountBurst: *acctBurst,
			FailureCost:   *failCost,
			UserPerSecond: float64(*userRate), UserBurst: *userBurst, UserWait: *userWait,
			TenantInFlight: *inFlight, TenantWait: *tenantWait,
			HashConcurrency: *hashes, HashWait: *hashWait,
			TrustedProxies: trusted,
		}
		switch *mode {
		case "on":
			return l, nil
		case "off":
		default:
			return l, fmt.Errorf("invalid value %q for %s: want on or off", *mode, fs.source("rate-limit"))
		}
		// A limit is off when its rate (or bound) is 0; one given
		// explicitly stays on.
		for name, v := range map[string]*float64{"signin-ip-rate": &l.IPPerMinute, "signin-account-rate": &l.AccountPerMinute, "user-rate": &l.UserPerSecond} {
			if !fs.given(name) {
				*v = 0
			}
		}
		for name, v := range map[string]*int{"tenant-in-flight": &l.TenantInFlight, "hash-concurrency": &l.HashConcurrency} {
			if !fs.given(name) {
				*v = 0
			}
		}
		return l, nil
	}
}
