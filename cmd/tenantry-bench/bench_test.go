package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tenantry/tenantry/internal/postgres/postgrestest"
)

// TestMain lets this test binary serve as the benchmark's child servers:
// startChild re-executes os.Executable(), which under go test is this binary.
// The tests run under postgrestest.Main, which drops the test databases when
// the last test process ends.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == ChildCommand {
		if err := RunChild(context.Background(), os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
			os.Stderr.WriteString("child: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(postgrestest.Main(m))
}

// TestSmoke runs the whole benchmark on SQLite with a tiny data set and a
// request budget: seeding, both child servers, every operation, the ratio,
// the RSS, the table and the JSON file.
func TestSmoke(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "results.json")
	var stdout, stderr bytes.Buffer
	args := []string{"-db", "sqlite", "-tenants", "5", "-tasks", "10", "-duration", "20s",
		"-max-requests", "60", "-concurrency", "2", "-warmup", "0", "-json", out}
	getenv := func(string) string { return "" }
	if err := run(context.Background(), args, getenv, strings.NewReader(""), &stdout, &stderr); err != nil {
		t.Fatalf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if got, want := len(rep.Runs), 1; got != want {
		t.Fatalf("runs = %d, want %d", got, want)
	}
	run := rep.Runs[0]
	if got, want := len(run.Ops), len(StandardOps()); got != want {
		t.Fatalf("operations = %d, want %d", got, want)
	}
	for _, o := range run.Ops {
		if o.Tenantry.Errors != 0 || o.Baseline == nil || o.Baseline.Errors != 0 {
			t.Errorf("%s: errors: tenantry %+v baseline %+v", o.Op, o.Tenantry, o.Baseline)
			continue
		}
		if got, want := o.Tenantry.Requests, int64(60); got != want {
			t.Errorf("%s: tenantry requests = %d, want %d", o.Op, got, want)
		}
		if got, want := o.Baseline.Requests, int64(60); got != want {
			t.Errorf("%s: baseline requests = %d, want %d", o.Op, got, want)
		}
		if o.Ratio <= 0 || o.Tenantry.P99ms <= 0 || o.Tenantry.P99ms < o.Tenantry.P50ms {
			t.Errorf("%s: ratio %v, p50 %v, p99 %v", o.Op, o.Ratio, o.Tenantry.P50ms, o.Tenantry.P99ms)
		}
		// 60 requests may take less than one clock tick of CPU: 0 is allowed,
		// but not a negative, infinite or NaN time (JSON refuses the last two).
		for _, v := range []float64{o.Tenantry.CPUusPerRequest, o.Baseline.CPUusPerRequest, o.CPURatio} {
			if v < 0 || v > 1e6 {
				t.Errorf("%s: cpu µs/request %v, baseline %v, ratio %v: not plausible",
					o.Op, o.Tenantry.CPUusPerRequest, o.Baseline.CPUusPerRequest, o.CPURatio)
			}
		}
	}
	if run.ServerPeakRSS < 1<<20 || run.ServerPeakRSS > 1<<30 {
		t.Errorf("server peak RSS = %d bytes, not plausible", run.ServerPeakRSS)
	}
	t.Logf("table:\n%s", stdout.String())
	for _, want := range []string{"get-by-id", "list-50", "create", "update", "mixed", "server peak RSS", "cpu µs/req", "cpu ratio"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestSmokePostgres is TestSmoke on PostgreSQL: its own database and
// application role, migrated, seeded with COPY, dropped afterwards.
func TestSmokePostgres(t *testing.T) {
	t.Parallel()
	pg := os.Getenv("TENANTRY_TEST_POSTGRES")
	if pg == "" {
		t.Skip("TENANTRY_TEST_POSTGRES is not set; set it to a PostgreSQL URL of a role that may create databases and roles to run the PostgreSQL smoke test")
	}
	var stdout, stderr bytes.Buffer
	s, err := parseSettings([]string{"-tenants", "4", "-tasks", "10", "-duration", "20s",
		"-max-requests", "30", "-concurrency", "2", "-warmup", "0", "-db", "postgres", "-floor"},
		func(k string) string { return map[string]string{"TENANTRY_TEST_POSTGRES": pg}[k] }, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := measure(context.Background(), s, &stdout, &stderr)
	if err != nil {
		t.Fatalf("measure: %v\nstderr:\n%s", err, stderr.String())
	}
	if got, want := len(rep.Runs), 1; got != want {
		t.Fatalf("runs = %d, want %d", got, want)
	}
	for _, o := range rep.Runs[0].Ops {
		if o.Tenantry.Requests != 30 || o.Tenantry.Errors != 0 || o.Baseline == nil || o.Baseline.Errors != 0 {
			t.Errorf("%s: tenantry %+v baseline %+v", o.Op, o.Tenantry, o.Baseline)
		}
		if o.Floor == nil || o.Floor.Requests != 30 || o.Floor.Errors != 0 || o.FloorRatio <= 0 {
			t.Errorf("%s: floor %+v, floor ratio %v", o.Op, o.Floor, o.FloorRatio)
		}
	}
	if !strings.Contains(stdout.String(), "floor ratio") {
		t.Errorf("table lacks the floor:\n%s", stdout.String())
	}
	if !strings.HasPrefix(rep.Machine.Postgres, "PostgreSQL ") {
		t.Errorf("machine.postgres = %q", rep.Machine.Postgres)
	}
	t.Logf("table:\n%s", stdout.String())
}

// TestTargetSmoke benchmarks a server the harness did not start: it seeds
// through the API (register, /auth/token, POST tasks) and measures without
// a baseline.
func TestTargetSmoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var log bytes.Buffer
	srv, err := startChild(ctx, childSpec{Kind: "tenantry", Engine: "sqlite",
		DSN: filepath.Join(t.TempDir(), "target.db")}, randomSecret(), &log)
	if err != nil {
		t.Fatalf("starting a server: %v\nlog:\n%s", err, log.String())
	}
	t.Cleanup(srv.Stop)
	var stdout, stderr bytes.Buffer
	s, err := parseSettings([]string{"-target", srv.URL(), "-tenants", "2", "-tasks", "5", "-duration", "20s",
		"-max-requests", "30", "-concurrency", "2", "-warmup", "0"}, func(string) string { return "" }, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := measure(ctx, s, &stdout, &stderr)
	if err != nil {
		t.Fatalf("measure: %v\nstderr:\n%s", err, stderr.String())
	}
	if got, want := len(rep.Runs), 1; got != want {
		t.Fatalf("runs = %d, want %d", got, want)
	}
	for _, o := range rep.Runs[0].Ops {
		if o.Tenantry.Requests != 30 || o.Tenantry.Errors != 0 || o.Baseline != nil {
			t.Errorf("%s: tenantry %+v baseline %+v; want 30 requests, no errors, no baseline", o.Op, o.Tenantry, o.Baseline)
		}
		if o.Tenantry.CPUusPerRequest != 0 || o.CPURatio != 0 {
			t.Errorf("%s: cpu µs/request %v, ratio %v; want 0: the server is not our child", o.Op, o.Tenantry.CPUusPerRequest, o.CPURatio)
		}
	}
}

// TestScaleSmoke runs the scale mode on SQLite at two tiny sizes.
func TestScaleSmoke(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	s, err := parseSettings([]string{"-scale", "-db", "sqlite", "-tasks", "10", "-duration", "20s",
		"-max-requests", "40", "-concurrency", "2", "-warmup", "0"}, func(string) string { return "" }, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	s.ScaleSizes = []int{50, 500}
	rep, err := measure(context.Background(), s, &stdout, &stderr)
	if err != nil {
		t.Fatalf("measure: %v\nstderr:\n%s", err, stderr.String())
	}
	if got, want := len(rep.Scale), 1; got != want {
		t.Fatalf("scale runs = %d, want %d", got, want)
	}
	pts := rep.Scale[0].Points
	if got, want := len(pts), 2; got != want {
		t.Fatalf("points = %d, want %d", got, want)
	}
	for i, want := range []struct{ total, tenants, loaded int }{{50, 5, 5}, {500, 50, 50}} {
		p := pts[i]
		if p.TotalTasks != want.total || p.Tenants != want.tenants || p.LoadedTenants != want.loaded {
			t.Errorf("point %d = %+v, want %+v", i, p, want)
		}
		if p.Get.Requests != 40 || p.List.Requests != 40 || p.Get.Errors+p.List.Errors != 0 {
			t.Errorf("point %d: get %+v list %+v, want 40 requests each and no errors", i, p.Get, p.List)
		}
	}
	if rep.Scale[0].ListP99Ratio <= 0 {
		t.Errorf("list p99 ratio = %v", rep.Scale[0].ListP99Ratio)
	}
	t.Logf("table:\n%s", stdout.String())
}

func TestSettingsDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		dbs  string
	}{
		{"sqlite without PostgreSQL", nil, nil, "sqlite"},
		{"both with TENANTRY_TEST_POSTGRES", map[string]string{"TENANTRY_TEST_POSTGRES": "postgres://x"}, nil, "sqlite,postgres"},
		{"both with TENANTRY_BENCH_POSTGRES", map[string]string{"TENANTRY_BENCH_POSTGRES": "postgres://x"}, nil, "sqlite,postgres"},
		{"explicit", map[string]string{"TENANTRY_TEST_POSTGRES": "postgres://x"}, []string{"-db", "postgres"}, "postgres"},
		{"target", nil, []string{"-target", "http://127.0.0.1:8080"}, "target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := parseSettings(tt.args, func(k string) string { return tt.env[k] }, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(s.DBs, ","); got != tt.dbs {
				t.Errorf("DBs = %s, want %s", got, tt.dbs)
			}
			if got, want := s.Tenants*s.TasksPerTenant, 100_000; got != want {
				t.Errorf("default data set = %d tasks, want %d", got, want)
			}
			if dir := filepath.Dir(s.JSONFile); dir != filepath.Clean(os.TempDir()) {
				t.Errorf("default -json = %s, want it in %s, out of the working directory", s.JSONFile, os.TempDir())
			}
		})
	}
}

func TestTargetMustBeLoopback(t *testing.T) {
	t.Parallel()
	for target, ok := range map[string]bool{
		"http://127.0.0.1:8080":    true,
		"http://localhost:8080":    true,
		"http://[::1]:8080":        true,
		"http://127.3.4.5":         true,
		"http://10.0.0.1:8080":     false,
		"http://192.168.1.1":       false,
		"http://example.com":       false,
		"ftp://127.0.0.1":          false,
		"127.0.0.1:8080/no-scheme": false,
	} {
		if err := checkLoopback(target); (err == nil) != ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", target, err, ok)
		}
	}
}

func TestLoadStopsAtDeadline(t *testing.T) {
	t.Parallel()
	l := load{baseURL: "http://127.0.0.1:1", client: newClient(1), concurrency: 1, duration: 200 * time.Millisecond}
	start := time.Now()
	m := l.run(context.Background(), func(_ *rand.Rand) request { return request{method: "GET", path: "/"} })
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("load ran %v, want about 200ms", d)
	}
	if m.Errors == 0 || m.FirstError == "" {
		t.Errorf("requests to a closed port: %+v, want errors", m)
	}
}
