package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// FloodRun is the abuse measurement on one database (-flood): a signed-in
// victim reads one task alone, then during a login flood (wrong passwords
// for the victim's account from many parallel clients), then while another
// tenant floods the API with its own reads and writes; and after the login
// flood, the victim signs in with the right password once Retry-After has
// passed.
type FloodRun struct {
	DB     string `json:"db"`
	Limits string `json:"limits"`
	// Idle, Login and Noisy are the victim's reads alone, under the login
	// flood and under the noisy neighbour.
	Idle  Measurement `json:"victim_idle"`
	Login Measurement `json:"victim_login_flood"`
	Noisy Measurement `json:"victim_noisy_neighbour"`
	// LoginFlood and NoisyFlood are what the floods themselves got.
	LoginFlood Measurement `json:"login_flood"`
	NoisyFlood Measurement `json:"noisy_flood"`
	// RSSIdle, RSSLogin and RSSNoisy are the server's peak RSS (VmHWM)
	// after each phase.
	RSSIdle  int64 `json:"peak_rss_idle_bytes,omitempty"`
	RSSLogin int64 `json:"peak_rss_login_flood_bytes,omitempty"`
	RSSNoisy int64 `json:"peak_rss_noisy_bytes,omitempty"`
	// SignIn is the victim's sign-in after the login flood: its final
	// status, how many 429s it met and how long their Retry-After made it
	// wait.
	SignInStatus  int     `json:"victim_signin_status"`
	SignIn429s    int     `json:"victim_signin_429s"`
	SignInWaitSec float64 `json:"victim_signin_wait_seconds"`
	FloodWorkers  int     `json:"flood_workers"`
	NoisyWorkers  int     `json:"noisy_workers"`
}

// victimInterval paces the victim: 200 reads a second, one user's share of
// 20,000 a second over 100 users.
const victimInterval = 5 * time.Millisecond

// floodTenants is how many tenants the flood seeds: the victim, the noisy
// neighbour, and two more.
const floodTenants = 4

// runFlood sets up one server and runs the three phases against it.
func runFlood(ctx context.Context, s Settings, engine, dir, hash string, logw, stderr io.Writer) (FloodRun, error) {
	r := FloodRun{DB: engine, Limits: s.RateLimit, FloodWorkers: s.FloodWorkers, NoisyWorkers: s.NoisyWorkers}
	if r.Limits == "" {
		r.Limits = "on"
	}
	fs := s
	fs.TasksPerTenant = min(s.TasksPerTenant, 100)
	sv, data, _, err := setUp(ctx, fs, engine, dir, hash, floodTenants, false, logw, stderr)
	if err != nil {
		return r, err
	}
	defer sv.stop()
	victim, noisy := data[0], data[1:2]
	base := sv.tenantry.URL()
	read := func(*rand.Rand) request {
		return request{method: "GET", path: fmt.Sprintf("/api/%s/tasks/%s", victim.UserID, victim.Tasks[0]), token: victim.Token}
	}
	wrong := url.Values{"username": {victim.Email}, "password": {"not-the-password"}}.Encode()
	guess := func(*rand.Rand) request {
		return request{method: "POST", path: "/auth/token", body: wrong, ctype: "application/x-www-form-urlencoded"}
	}
	one := load{baseURL: base, client: newClient(1), concurrency: 1, duration: s.FloodIdle, seed: 1, interval: victimInterval}
	rss := func() int64 {
		n, err := sv.tenantry.PeakRSS()
		if err != nil {
			fmt.Fprintf(stderr, "reading the server's peak RSS: %v\n", err)
		}
		return n
	}

	fmt.Fprintf(stderr, "%s flood: the victim alone...\n", engine)
	r.Idle = one.run(ctx, read)
	r.RSSIdle = rss()

	fmt.Fprintf(stderr, "%s flood: %d clients guessing the victim's password for %s...\n", engine, s.FloodWorkers, s.FloodDuration)
	attack := load{baseURL: base, client: newClient(s.FloodWorkers), concurrency: s.FloodWorkers, duration: s.FloodDuration, seed: 2}
	one.duration = s.FloodDuration
	r.Login, r.LoginFlood = during(ctx, one, read, attack, guess)
	r.RSSLogin = rss()
	r.SignInStatus, r.SignIn429s, r.SignInWaitSec = signInAfter(ctx, base, victim.Email, stderr)

	fmt.Fprintf(stderr, "%s flood: a neighbour's %d workers flooding its own tasks for %s...\n", engine, s.NoisyWorkers, s.FloodDuration)
	neighbour := load{baseURL: base, client: newClient(s.NoisyWorkers), concurrency: s.NoisyWorkers, duration: s.FloodDuration, seed: 3}
	r.Noisy, r.NoisyFlood = during(ctx, one, read, neighbour, tenantryAPI().workload(OpMixed, noisy))
	r.RSSNoisy = rss()
	return r, ctx.Err()
}

// during measures the victim's load while the flood runs alongside.
func during(ctx context.Context, victim load, vw workload, flood load, fw workload) (v, f Measurement) {
	done := make(chan Measurement)
	go func() { done <- flood.run(ctx, fw) }()
	v = victim.run(ctx, vw)
	return v, <-done
}

// signInAfter signs the victim in with the right password, waiting out each
// 429's Retry-After (at most five times); it returns the last status, the
// 429s met and the seconds waited.
func signInAfter(ctx context.Context, base, email string, stderr io.Writer) (status, limited int, waited float64) {
	c := newClient(1)
	form := url.Values{"username": {email}, "password": {benchPassword}}.Encode()
	for range 6 {
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/auth/token", strings.NewReader(form))
		if err != nil {
			return 0, limited, waited
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			fmt.Fprintf(stderr, "  victim sign-in: %v\n", err)
			return 0, limited, waited
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests {
			return resp.StatusCode, limited, waited
		}
		limited++
		secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
		if err != nil || secs < 1 || secs > 600 {
			fmt.Fprintf(stderr, "  victim sign-in: 429 with Retry-After %q; giving up\n", resp.Header.Get("Retry-After"))
			return resp.StatusCode, limited, waited
		}
		fmt.Fprintf(stderr, "  victim sign-in: 429, waiting the Retry-After of %d s\n", secs)
		select {
		case <-time.After(time.Duration(secs) * time.Second):
		case <-ctx.Done():
			return resp.StatusCode, limited, waited
		}
		waited += float64(secs)
	}
	return http.StatusTooManyRequests, limited, waited
}

// The done-when of issue 9.
const (
	floodRSS       = 250 << 20 // the server's peak RSS under the login flood
	floodP99Factor = 5         // the victim's p99 under the login flood, over idle...
	floodP99Slack  = 20.0      // ...plus this many ms
	noisyP99Factor = 1.5       // the victim's p99 under the noisy neighbour, over idle
)

// printFlood prints one database's flood table and how it compares with
// the targets.
func printFlood(w io.Writer, s Settings, r FloodRun) {
	fmt.Fprintf(w, "\n%s flood, server limits %s: the victim reads one task (1 worker, at most %.0f/s); %s per flood\n",
		r.DB, r.Limits, float64(time.Second/victimInterval), s.FloodDuration)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tvictim req/s\tp50 ms\tp99 ms\tvictim errors\tflood req/s\tflood served\tflood 429\tflood 5xx\tpeak RSS\t")
	row := func(name string, v, f *Measurement, rss int64) {
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%d\t", name, v.RPS, v.P50ms, v.P99ms, v.Errors)
		if f == nil {
			fmt.Fprintf(tw, "-\t-\t-\t-\t%s\t\n", mb(rss))
			return
		}
		secs := max(f.Seconds, 1e-9)
		fmt.Fprintf(tw, "%.0f\t%d\t%d\t%d\t%s\t\n", float64(f.Requests)/secs, f.Requests-f.Limited-f.ServerErrors,
			f.Limited, f.ServerErrors, mb(rss))
	}
	row("idle", &r.Idle, nil, r.RSSIdle)
	row(fmt.Sprintf("login flood (%d)", r.FloodWorkers), &r.Login, &r.LoginFlood, r.RSSLogin)
	row(fmt.Sprintf("noisy neighbour (%d)", r.NoisyWorkers), &r.Noisy, &r.NoisyFlood, r.RSSNoisy)
	tw.Flush()
	fmt.Fprintf(w, "victim sign-in after the login flood: status %d after %d x 429 and %.0f s of Retry-After\n",
		r.SignInStatus, r.SignIn429s, r.SignInWaitSec)
	fivexx := r.Idle.ServerErrors + r.Login.ServerErrors + r.Noisy.ServerErrors + r.LoginFlood.ServerErrors + r.NoisyFlood.ServerErrors
	loginP99 := floodP99Factor*r.Idle.P99ms + floodP99Slack
	fmt.Fprintf(w, "targets: login flood throttled (%d x 429: %s); peak RSS %s (<= %s: %s); victim p99 %.2f ms (<= 5 x idle + 20 = %.2f: %s); "+
		"noisy p99 %.2f ms (<= 1.5 x idle = %.2f: %s); 5xx %d (none: %s); victim signs in (%s)\n",
		r.LoginFlood.Limited, mark(r.LoginFlood.Limited > 0),
		mb(r.RSSLogin), mb(floodRSS), mark(r.RSSLogin > 0 && r.RSSLogin <= floodRSS),
		r.Login.P99ms, loginP99, mark(r.Login.P99ms <= loginP99),
		r.Noisy.P99ms, noisyP99Factor*r.Idle.P99ms, mark(r.Noisy.P99ms <= noisyP99Factor*r.Idle.P99ms),
		fivexx, mark(fivexx == 0), mark(r.SignInStatus == http.StatusOK))
}
