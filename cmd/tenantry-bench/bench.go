package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/tenantry/tenantry/internal/limit"
	"github.com/tenantry/tenantry/internal/postgres"
)

// Settings are the benchmark's flags.
type Settings struct {
	DBs            []string      `json:"databases"`
	PostgresURL    string        `json:"-"`
	Tenants        int           `json:"tenants"`
	TasksPerTenant int           `json:"tasks_per_tenant"`
	Duration       time.Duration `json:"-"`
	DurationText   string        `json:"duration_per_operation"`
	Warmup         time.Duration `json:"-"`
	Concurrency    int           `json:"concurrency"`
	MaxRequests    int64         `json:"max_requests,omitempty"`
	Target         string        `json:"target,omitempty"`
	Scale          bool          `json:"scale,omitempty"`
	JSONFile       string        `json:"-"`
	PprofDir       string        `json:"-"`
	NoAuthCache    bool          `json:"no_auth_cache,omitempty"`
	SeedWorkers    int           `json:"-"`
	Ops            []string      `json:"operations"`
	PGPool         int           `json:"postgres_pool,omitempty"`
	Floor          bool          `json:"floor,omitempty"`
	ScaleSizes     []int         `json:"scale_sizes,omitempty"`
	// RateLimit is the server's limits: on (its defaults), off, or hash
	// (only the bound on password hashing).
	RateLimit string `json:"rate_limit,omitempty"`
	// Redis, when set, is the URL of a Redis in which the server counts its
	// rate limits, as tenantry serve -redis does.
	Redis string `json:"-"`
	// RedisLimits records that it was set.
	RedisLimits bool `json:"redis_limits,omitempty"`
	// Flood runs the abuse measurement instead (see FloodRun).
	Flood         bool          `json:"flood,omitempty"`
	FloodDuration time.Duration `json:"-"`
	FloodIdle     time.Duration `json:"-"`
	FloodText     string        `json:"flood_duration,omitempty"`
	FloodWorkers  int           `json:"flood_workers,omitempty"`
	NoisyWorkers  int           `json:"noisy_workers,omitempty"`
}

// defaultPostgres is the local PostgreSQL the README sets up.
const defaultPostgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// DefaultConcurrency is the number of load workers: on this 2-core machine
// the client and the server share the CPU, and 4 workers per core saturate
// both engines (see docs/performance.md).
func DefaultConcurrency() int { return 4 * runtime.GOMAXPROCS(0) }

func parseSettings(args []string, getenv func(string) string, stderr io.Writer) (Settings, error) {
	var s Settings
	pgURL := getenv("TENANTRY_BENCH_POSTGRES")
	if pgURL == "" {
		pgURL = getenv("TENANTRY_TEST_POSTGRES")
	}
	defaultDB := "sqlite"
	if pgURL != "" {
		defaultDB = "both"
	} else {
		pgURL = defaultPostgres
	}
	fs := flag.NewFlagSet("tenantry-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	db := fs.String("db", defaultDB, "database: sqlite, postgres or both (both by default when TENANTRY_BENCH_POSTGRES or TENANTRY_TEST_POSTGRES is set)")
	fs.StringVar(&s.PostgresURL, "postgres", pgURL, "PostgreSQL URL of a role that may create databases and roles (from TENANTRY_BENCH_POSTGRES or TENANTRY_TEST_POSTGRES)")
	fs.IntVar(&s.Tenants, "tenants", 1000, "tenants to seed")
	fs.IntVar(&s.TasksPerTenant, "tasks", 100, "tasks per tenant")
	fs.DurationVar(&s.Duration, "duration", 7*time.Second, "how long each operation is measured, on each server")
	fs.DurationVar(&s.Warmup, "warmup", time.Second, "mixed load sent to each server before measuring")
	fs.IntVar(&s.Concurrency, "concurrency", DefaultConcurrency(), "concurrent load workers, each with one keep-alive connection")
	fs.Int64Var(&s.MaxRequests, "max-requests", 0, "stop each measurement after this many requests (0: no limit)")
	fs.StringVar(&s.Target, "target", "", "base URL of a running tenantry server to benchmark instead of starting one (loopback only; no baseline, no RSS)")
	fs.BoolVar(&s.Scale, "scale", false, "scale mode: get and list of the same tenants at 10,000 and at 1,000,000 total tasks")
	// Not the working directory: a run from a checkout must not leave its
	// results in the repository.
	fs.StringVar(&s.JSONFile, "json", filepath.Join(os.TempDir(), "tenantry-bench-results.json"), "write the results to this `file` as JSON (empty: do not)")
	fs.StringVar(&s.PprofDir, "pprof", "", "write CPU profiles of the server under each operation, and a heap profile, into this directory")
	fs.BoolVar(&s.NoAuthCache, "no-authcache", false, "serve without the in-memory token cache (every request asks the database)")
	fs.IntVar(&s.SeedWorkers, "seed-workers", 4, "tenants seeded at a time")
	fs.IntVar(&s.PGPool, "pg-pool", postgres.DefaultMaxConns, "PostgreSQL connections per server (pool_max_conns), for the server, the baseline and the floor alike (0: each its driver's default, which differ)")
	fs.BoolVar(&s.Floor, "floor", false, "on PostgreSQL, also measure the floor: the baseline with the tenant_context call docs/design.md requires in front of every statement, as the application role (a third server, in the same turns)")
	fs.StringVar(&s.RateLimit, "rate-limit", "on", "the server's limits: on (its defaults), off, or hash (only the bound on concurrent password hashing)")
	fs.StringVar(&s.Redis, "redis", os.Getenv("TENANTRY_BENCH_REDIS"), "`URL` of a Redis in which the server counts its rate limits, as tenantry serve -redis does (from TENANTRY_BENCH_REDIS; empty: in the server's memory)")
	fs.BoolVar(&s.Flood, "flood", false, "abuse mode: the victim's reads alone, under a login flood (wrong passwords for its account) and under a noisy neighbour tenant, the server's peak RSS and the 429s")
	fs.DurationVar(&s.FloodDuration, "flood-duration", 15*time.Second, "how long each flood lasts (-flood)")
	fs.DurationVar(&s.FloodIdle, "flood-idle", 5*time.Second, "how long the victim's reads are measured alone (-flood)")
	fs.IntVar(&s.FloodWorkers, "flood-workers", 40, "parallel clients sending wrong passwords (-flood)")
	fs.IntVar(&s.NoisyWorkers, "noisy-workers", 32, "parallel workers of the noisy neighbour tenant (-flood)")
	ops := fs.String("ops", strings.Join(StandardOps(), ","), "operations to measure, comma-separated")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return s, err
		}
		// The flag package has printed the error and the usage.
		return s, fmt.Errorf("%w: %w", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return s, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch *db {
	case "sqlite", "postgres":
		s.DBs = []string{*db}
	case "both":
		s.DBs = []string{"sqlite", "postgres"}
	default:
		return s, fmt.Errorf("-db must be sqlite, postgres or both, not %q", *db)
	}
	if s.Tenants < 1 || s.TasksPerTenant < 1 || s.Concurrency < 1 || s.Duration <= 0 || s.SeedWorkers < 1 {
		return s, errors.New("-tenants, -tasks, -concurrency, -duration and -seed-workers must be positive")
	}
	if s.Target != "" {
		if err := checkLoopback(s.Target); err != nil {
			return s, err
		}
		s.DBs = []string{"target"}
	}
	for _, op := range strings.Split(*ops, ",") {
		if !slices.Contains(StandardOps(), op) {
			return s, fmt.Errorf("unknown operation %q in -ops (want some of %s)", op, strings.Join(StandardOps(), ","))
		}
		s.Ops = append(s.Ops, op)
	}
	if s.Scale {
		s.ScaleSizes = DefaultScaleSizes()
	}
	switch s.RateLimit {
	case "on", "off", "hash":
	default:
		return s, fmt.Errorf("-rate-limit must be on, off or hash, not %q", s.RateLimit)
	}
	if s.Redis != "" {
		if _, err := limit.ParseRedisURL(s.Redis); err != nil {
			return s, fmt.Errorf("-redis: %v", err)
		}
		s.RedisLimits = true
	}
	if s.Flood {
		if s.Scale || s.Target != "" {
			return s, errors.New("-flood goes with neither -scale nor -target")
		}
		if s.FloodDuration <= 0 || s.FloodIdle <= 0 || s.FloodWorkers < 1 || s.NoisyWorkers < 1 {
			return s, errors.New("-flood-duration, -flood-idle, -flood-workers and -noisy-workers must be positive")
		}
		s.FloodText = s.FloodDuration.String()
	}
	s.DurationText = s.Duration.String()
	return s, nil
}

const usage = `tenantry-bench measures Tenantry under concurrent authenticated HTTP load on loopback.

It seeds -tenants personal tenants with -tasks tasks each, starts the tenantry
server and a bare baseline server (the same SQL with nothing around it) as child
processes, and measures get-by-id, list-50, create, update and a mixed 80/20
load on each for -duration. It prints requests/s, p50, p99, errors and the ratio
to the baseline, plus the server's peak RSS, and writes the same to -json.
With -floor, on PostgreSQL, a third server measures the floor: the baseline
plus the tenant_context call the design requires in front of every statement.
With -flood, it measures abuse instead: a signed-in victim's reads alone, under
-flood-workers clients guessing its password, and under a neighbour tenant's
-noisy-workers flooding the API, with the server's peak RSS and the 429 and
5xx counts; -rate-limit=off measures the server without its limits.

Usage: go run ./cmd/tenantry-bench [flags]

`

// ErrUsage marks a command line the flag package refused; it has printed
// the error and the usage already.
var ErrUsage = errors.New("usage")

// run runs the benchmark, or, when args start with ChildCommand, serves as
// one of its child servers.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == ChildCommand {
		return RunChild(ctx, args, getenv, stdin, stdout, stderr)
	}
	s, err := parseSettings(args, getenv, stderr)
	if err != nil {
		return err
	}
	rep, err := measure(ctx, s, stdout, stderr)
	if rep != nil && s.JSONFile != "" {
		b, jerr := json.MarshalIndent(rep, "", "  ")
		if jerr == nil {
			jerr = os.WriteFile(s.JSONFile, append(b, '\n'), 0o644)
		}
		if jerr != nil {
			return errors.Join(err, jerr)
		}
		fmt.Fprintf(stdout, "\nresults written to %s\n", s.JSONFile)
	}
	return err
}
