package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

func TestFloodSettings(t *testing.T) {
	t.Parallel()
	env := func(string) string { return "" }
	s, err := parseSettings([]string{"-flood", "-flood-duration=3s", "-flood-workers=8", "-rate-limit=off"}, env, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Flood || s.FloodDuration != 3*time.Second || s.FloodWorkers != 8 || s.NoisyWorkers != 32 ||
		s.FloodIdle != 5*time.Second || s.RateLimit != "off" || s.FloodText != "3s" {
		t.Fatalf("settings %+v", s)
	}
	s, err = parseSettings(nil, env, io.Discard)
	if err != nil || s.Flood || s.RateLimit != "on" {
		t.Fatalf("defaults: %+v, %v", s, err)
	}
	for _, args := range [][]string{
		{"-flood", "-flood-workers=0"},
		{"-flood", "-flood-duration=0s"},
		{"-flood", "-scale"},
		{"-flood", "-target=http://127.0.0.1:1"},
		{"-rate-limit=maybe"},
	} {
		if _, err := parseSettings(args, env, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestPrintFlood checks the table's rows and that each verdict follows
// its numbers.
func TestPrintFlood(t *testing.T) {
	t.Parallel()
	r := FloodRun{DB: "sqlite", Limits: "on", FloodWorkers: 40, NoisyWorkers: 32,
		Idle:         Measurement{RPS: 200, P50ms: 0.4, P99ms: 1.0},
		Login:        Measurement{RPS: 190, P50ms: 1.5, P99ms: 24.9},
		Noisy:        Measurement{RPS: 150, P50ms: 1.5, P99ms: 1.6},
		LoginFlood:   Measurement{Requests: 1000, Errors: 1000, Limited: 990, Seconds: 10},
		NoisyFlood:   Measurement{Requests: 500, Errors: 400, Limited: 399, ServerErrors: 1, Seconds: 10},
		RSSIdle:      40 << 20,
		RSSLogin:     260 << 20,
		RSSNoisy:     260 << 20,
		SignInStatus: 200, SignIn429s: 1, SignInWaitSec: 24,
	}
	var buf bytes.Buffer
	printFlood(&buf, Settings{FloodDuration: 10 * time.Second}, r)
	out := buf.String()
	for _, want := range []string{
		"sqlite flood, server limits on",
		"idle           200    0.40    1.00              0            -",
		"login flood (40)           190    1.50   24.90              0          100            10        990          0  260.0 MB",
		"noisy neighbour (32)           150    1.50    1.60              0           50           100        399          1  260.0 MB",
		"status 200 after 1 x 429 and 24 s of Retry-After",
		"login flood throttled (990 x 429: met)",
		"peak RSS 260.0 MB (<= 250.0 MB: NOT met)",
		"victim p99 24.90 ms (<= 5 x idle + 20 = 25.00: met)",
		"noisy p99 1.60 ms (<= 1.5 x idle = 1.50: NOT met)",
		"5xx 1 (none: NOT met)",
		"victim signs in (met)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
}
