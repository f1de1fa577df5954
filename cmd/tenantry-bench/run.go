package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tenantry/tenantry/internal/auth"
	storeopen "github.com/tenantry/tenantry/internal/database"
)

// measure runs the benchmark s describes, printing progress to stderr and the
// tables to stdout. It returns what it measured, even when it fails midway.
func measure(ctx context.Context, s Settings, stdout, stderr io.Writer) (*Report, error) {
	rep := &Report{Started: time.Now().UTC(), Machine: machine(), Settings: s}
	if s.Target != "" {
		r, err := runTarget(ctx, s, stderr)
		if err == nil {
			rep.Runs = append(rep.Runs, r)
			printRun(stdout, s, r)
		}
		return rep, err
	}
	if s.PprofDir != "" {
		if err := os.MkdirAll(s.PprofDir, 0o755); err != nil {
			return rep, err
		}
	}
	dir, err := os.MkdirTemp("", "tenantry-bench-")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		return rep, err
	}
	defer logf.Close()

	fmt.Fprintln(stderr, "hashing the shared password (argon2id)...")
	hash, err := auth.HashPassword(benchPassword)
	if err != nil {
		return rep, err
	}
	for _, engine := range s.DBs {
		if engine == "postgres" {
			rep.Machine.Postgres = postgresVersion(ctx, s.PostgresURL)
		}
		if s.Flood {
			r, err := runFlood(ctx, s, engine, dir, hash, logf, stderr)
			if err != nil {
				printLogTail(stderr, logf.Name())
				return rep, fmt.Errorf("%s flood: %w", engine, err)
			}
			rep.Flood = append(rep.Flood, r)
			printFlood(stdout, s, r)
			continue
		}
		if s.Scale {
			r, err := runScale(ctx, s, engine, dir, hash, logf, stderr)
			if err != nil {
				printLogTail(stderr, logf.Name())
				return rep, fmt.Errorf("%s scale: %w", engine, err)
			}
			rep.Scale = append(rep.Scale, r)
			printScale(stdout, r)
			continue
		}
		r, err := runStandard(ctx, s, engine, dir, hash, logf, stderr)
		if err != nil {
			printLogTail(stderr, logf.Name())
			return rep, fmt.Errorf("%s: %w", engine, err)
		}
		rep.Runs = append(rep.Runs, r)
		printRun(stdout, s, r)
	}
	return rep, nil
}

// printLogTail shows the end of the servers' log after a failure.
func printLogTail(w io.Writer, path string) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return
	}
	b = b[max(0, len(b)-4096):]
	fmt.Fprintf(w, "--- end of the servers' log:\n%s\n---\n", b)
}

// servers is a database with our server and the baseline running on it,
// and the floor (-floor, PostgreSQL) too.
type servers struct {
	db       *database
	secret   string
	tenantry *child
	baseline *child
	floor    *child
}

func (sv *servers) stop() {
	for _, c := range []*child{sv.tenantry, sv.baseline, sv.floor} {
		if c != nil {
			c.Stop()
		}
	}
	if sv.db != nil {
		_ = sv.db.drop()
	}
}

// setUp creates the database, seeds tenants 0..tenants-1 and starts our
// server on it, and the baseline too if withBaseline.
func setUp(ctx context.Context, s Settings, engine, dir, hash string, tenants int, withBaseline bool, logw, stderr io.Writer) (*servers, []tenantData, float64, error) {
	sv := &servers{secret: randomSecret()}
	db, err := createDatabase(ctx, engine, dir, s.PostgresURL)
	if err != nil {
		return nil, nil, 0, err
	}
	sv.db = db
	appDSN, ownerDSN := db.appDSN, db.ownerDSN
	if engine == "postgres" && s.PGPool > 0 {
		appDSN, ownerDSN = withPool(appDSN, s.PGPool), withPool(ownerDSN, s.PGPool)
	}
	fmt.Fprintf(stderr, "%s: seeding %d tenants x %d tasks...\n", engine, tenants, s.TasksPerTenant)
	t0 := time.Now()
	data, err := seedDB(ctx, s, db, hash, 0, tenants, stderr)
	if err != nil {
		sv.stop()
		return nil, nil, 0, err
	}
	seedSecs := time.Since(t0).Seconds()
	if engine == "postgres" {
		analyze(ctx, db.ownerDSN)
	}
	if err := mintTokens(sv.secret, data); err != nil {
		sv.stop()
		return nil, nil, 0, err
	}
	sv.tenantry, err = startChild(ctx, childSpec{Kind: "tenantry", Engine: engine, DSN: appDSN,
		NoAuthCache: s.NoAuthCache, Pprof: s.PprofDir != "", Limits: s.RateLimit, Redis: s.Redis}, sv.secret, logw)
	if err != nil {
		sv.stop()
		return nil, nil, 0, err
	}
	if withBaseline {
		sv.baseline, err = startChild(ctx, childSpec{Kind: "baseline", Engine: engine, DSN: ownerDSN,
			Pprof: s.PprofDir != ""}, "", logw)
		if err != nil {
			sv.stop()
			return nil, nil, 0, err
		}
		if s.Floor && engine == "postgres" {
			sv.floor, err = startChild(ctx, childSpec{Kind: "baseline", Engine: engine, DSN: appDSN, Context: true,
				Pprof: s.PprofDir != ""}, "", logw)
			if err != nil {
				sv.stop()
				return nil, nil, 0, err
			}
		}
	}
	if err := checkServers(ctx, sv, data[0]); err != nil {
		sv.stop()
		return nil, nil, 0, err
	}
	return sv, data, seedSecs, nil
}

// seedDB seeds the database. On SQLite it goes through the store, opened in
// this process. On PostgreSQL the same rows are copied in bulk (copyUsers,
// copyTasks), which takes seconds instead of minutes at a million tasks;
// if COPY is refused (a role subject to row-level security), it falls back
// to the store.
func seedDB(ctx context.Context, s Settings, db *database, hash string, from, to int, stderr io.Writer) ([]tenantData, error) {
	if db.engine == "postgres" {
		data, err := copyUsers(ctx, db.ownerDSN, hash, from, to)
		if err == nil {
			err = copyTasks(ctx, db.ownerDSN, data, from, s.TasksPerTenant)
		}
		if err == nil {
			return data, nil
		}
		fmt.Fprintf(stderr, "  COPY refused (%v); seeding through the store\n", err)
	}
	store, err := storeopen.Open(ctx, db.appDSN, storeopen.Options{NoAuthCache: true})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	workers := s.SeedWorkers
	if db.engine == "sqlite" {
		workers = 1 // one writer at a time anyway
	}
	return seed(ctx, store, hash, from, to, s.TasksPerTenant, workers, stderr)
}

// checkServers makes sure both servers answer a task read, and that the
// token /auth/token issues for the shared password works like a minted one.
func checkServers(ctx context.Context, sv *servers, t tenantData) error {
	c := newClient(1)
	issued, err := passwordToken(ctx, c, sv.tenantry.URL(), t.Email)
	if err != nil {
		return err
	}
	type probe struct{ url, token string }
	probes := []probe{
		{fmt.Sprintf("%s/api/%s/tasks/%s", sv.tenantry.URL(), t.UserID, t.Tasks[0]), t.Token},
		{fmt.Sprintf("%s/api/%s/tasks/%s", sv.tenantry.URL(), t.UserID, t.Tasks[0]), issued},
	}
	for _, b := range []*child{sv.baseline, sv.floor} {
		if b != nil {
			probes = append(probes, probe{fmt.Sprintf("%s/b/%s/tasks/%s", b.URL(), t.UserID, t.Tasks[0]), ""})
		}
	}
	for _, probe := range probes {
		req, err := http.NewRequestWithContext(ctx, "GET", probe.url, nil)
		if err != nil {
			return err
		}
		if probe.token != "" {
			req.Header.Set("Authorization", "Bearer "+probe.token)
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("probe GET %s: status %d: %s", probe.url, resp.StatusCode, body)
		}
	}
	return nil
}

// passwordToken logs in through POST /auth/token.
func passwordToken(ctx context.Context, c *http.Client, base, email string) (string, error) {
	form := url.Values{"username": {email}, "password": {benchPassword}}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/auth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := doJSON(c, req, http.StatusOK, &out); err != nil {
		return "", fmt.Errorf("POST /auth/token: %w", err)
	}
	return out.AccessToken, nil
}

func runStandard(ctx context.Context, s Settings, engine, dir, hash string, logw, stderr io.Writer) (DBRun, error) {
	r := DBRun{DB: engine, Tenants: s.Tenants, TasksPerTenant: s.TasksPerTenant}
	sv, data, seedSecs, err := setUp(ctx, s, engine, dir, hash, s.Tenants, true, logw, stderr)
	if err != nil {
		return r, err
	}
	defer sv.stop()
	r.SeedSeconds = seedSecs
	client := newClient(s.Concurrency)
	l := load{client: client, concurrency: s.Concurrency, maxRequests: s.MaxRequests, seed: 1}
	ours, base := l, l
	ours.baseURL, base.baseURL = sv.tenantry.URL(), sv.baseline.URL()
	ours.cpu, base.cpu = sv.tenantry.CPUTime, sv.baseline.CPUTime
	var floor *load
	if sv.floor != nil {
		f := l
		f.baseURL, f.cpu = sv.floor.URL(), sv.floor.CPUTime
		floor = &f
	}
	if s.Warmup > 0 {
		fmt.Fprintf(stderr, "%s: warming up...\n", engine)
		ours.duration, base.duration = s.Warmup, s.Warmup
		ours.run(ctx, tenantryAPI().workload(OpMixed, data))
		base.run(ctx, baselineAPI().workload(OpMixed, data))
		if floor != nil {
			floor.duration = s.Warmup
			floor.run(ctx, baselineAPI().workload(OpMixed, data))
		}
	}
	ours.duration, base.duration = s.Duration, s.Duration
	if floor != nil {
		floor.duration = s.Duration
	}
	for _, op := range s.Ops {
		fmt.Fprintf(stderr, "%s: %s...\n", engine, op)
		var profs []func() (string, error)
		if s.PprofDir != "" && s.Duration >= 2*time.Second {
			// The servers take turns for Duration each; each profile
			// covers all the turns, and so holds the whole of its
			// server's load.
			named := map[string]*child{"": sv.tenantry, "-baseline": sv.baseline}
			if sv.floor != nil {
				named["-floor"] = sv.floor
			}
			span := time.Duration(len(named))*s.Duration - time.Second
			for suffix, c := range named {
				profs = append(profs, startCPUProfile(ctx, c, span,
					filepath.Join(s.PprofDir, fmt.Sprintf("%s-%s%s.cpu.pprof", engine, op, suffix))))
			}
		}
		o := compare(ctx, op, ours, base, floor, data, s.MaxRequests > 0)
		for _, prof := range profs {
			if p, err := prof(); err != nil {
				fmt.Fprintf(stderr, "  cpu profile: %v\n", err)
			} else {
				r.Profiles = append(r.Profiles, p)
			}
		}
		r.Ops = append(r.Ops, o)
		if err := ctx.Err(); err != nil {
			return r, err
		}
	}
	if r.ServerPeakRSS, err = sv.tenantry.PeakRSS(); err != nil {
		fmt.Fprintf(stderr, "reading the server's peak RSS: %v\n", err)
	}
	if r.BaselinePeakRSS, err = sv.baseline.PeakRSS(); err != nil {
		fmt.Fprintf(stderr, "reading the baseline's peak RSS: %v\n", err)
	}
	if s.PprofDir != "" {
		p := filepath.Join(s.PprofDir, engine+".heap.pprof")
		if err := fetch(ctx, "http://"+sv.tenantry.pprofAddr+"/debug/pprof/heap", p); err == nil {
			r.Profiles = append(r.Profiles, p)
		}
	}
	return r, nil
}

// sliceLen is the length of one turn when the two servers take turns.
const sliceLen = time.Second

// compare measures op on our server and on the baseline, and on the floor
// if there is one. They take turns of about a second, the one that goes
// first changing each round, so that anything else the machine does during
// the measurement weighs on all alike. With a request budget (tests) each
// runs once.
func compare(ctx context.Context, op string, ours, base load, floor *load, data []tenantData, once bool) OpResult {
	rounds := 1
	if !once {
		rounds = max(1, int(ours.duration/sliceLen))
	}
	type turn struct {
		l load
		w workload
		s sample
	}
	turns := []*turn{{l: ours, w: tenantryAPI().workload(op, data)}, {l: base, w: baselineAPI().workload(op, data)}}
	if floor != nil {
		turns = append(turns, &turn{l: *floor, w: baselineAPI().workload(op, data)})
	}
	for _, t := range turns {
		t.l.duration /= time.Duration(rounds)
	}
	for i := range rounds {
		for j := range turns {
			t := turns[(i+j)%len(turns)]
			t.l.seed = uint64(i)
			t.s.add(t.l.sample(ctx, t.w))
		}
	}
	o := OpResult{Op: op, Tenantry: turns[0].s.measurement()}
	m := turns[1].s.measurement()
	o.Baseline = &m
	if m.RPS > 0 {
		o.Ratio = o.Tenantry.RPS / m.RPS
	}
	if floor != nil {
		f := turns[2].s.measurement()
		o.Floor = &f
		if m.RPS > 0 {
			o.FloorRatio = f.RPS / m.RPS
		}
	}
	if m.CPUusPerRequest > 0 {
		o.CPURatio = o.Tenantry.CPUusPerRequest / m.CPUusPerRequest
	}
	return o
}

// startCPUProfile fetches a CPU profile of the child for d in the
// background; the returned function waits for it.
func startCPUProfile(ctx context.Context, c *child, d time.Duration, path string) func() (string, error) {
	done := make(chan error, 1)
	go func() {
		done <- fetch(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", c.pprofAddr, int(d.Seconds())), path)
	}()
	return func() (string, error) { return path, <-done }
}

func fetch(ctx context.Context, u, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// DefaultScaleSizes are the scale mode's sizes, in total tasks.
func DefaultScaleSizes() []int { return []int{10_000, 1_000_000} }

// scaleLoaded is how many tenants the scale mode sends load to, at every
// size: the same number of tenants of the same shape, among more and more
// other tenants.
const scaleLoaded = 100

// runScale builds one database per size, each with its own server, and
// measures get and list on each, the servers taking turns of about a second
// as in compare, so that whatever else the machine does weighs on every size
// alike.
func runScale(ctx context.Context, s Settings, engine, dir, hash string, logw, stderr io.Writer) (ScaleRun, error) {
	r := ScaleRun{DB: engine}
	type size struct {
		sv     *servers
		loaded []tenantData
		p      ScalePoint
		get    sample
		list   sample
	}
	var sizes []*size
	defer func() {
		for _, z := range sizes {
			z.sv.stop()
		}
	}()
	for _, total := range s.ScaleSizes {
		tenants := max(total/s.TasksPerTenant, 1)
		sv, data, _, err := setUp(ctx, s, engine, dir, hash, tenants, false, logw, stderr)
		if err != nil {
			return r, err
		}
		loaded := data[:min(scaleLoaded, len(data))]
		sizes = append(sizes, &size{sv: sv, loaded: loaded,
			p: ScalePoint{TotalTasks: tenants * s.TasksPerTenant, Tenants: tenants, LoadedTenants: len(loaded)}})
	}
	client := newClient(s.Concurrency)
	loadOf := func(z *size, d time.Duration) load {
		return load{baseURL: z.sv.tenantry.URL(), client: client, concurrency: s.Concurrency,
			maxRequests: s.MaxRequests, duration: d, seed: 1}
	}
	if s.Warmup > 0 {
		for _, z := range sizes {
			loadOf(z, s.Warmup).run(ctx, tenantryAPI().workload(OpMixed, z.loaded))
		}
	}
	rounds := 1
	if s.MaxRequests == 0 {
		rounds = max(1, int(s.Duration/sliceLen))
	}
	fmt.Fprintf(stderr, "%s: get and list at %d sizes...\n", engine, len(sizes))
	for i := range rounds {
		for j := range sizes {
			z := sizes[(i+j)%len(sizes)]
			l := loadOf(z, s.Duration/time.Duration(rounds))
			l.seed = uint64(i)
			z.get.add(l.sample(ctx, tenantryAPI().workload(OpGet, z.loaded)))
			z.list.add(l.sample(ctx, tenantryAPI().workload(OpList, z.loaded)))
		}
	}
	for _, z := range sizes {
		z.p.Get, z.p.List = z.get.measurement(), z.list.measurement()
		r.Points = append(r.Points, z.p)
	}
	lo, hi := r.Points[0], r.Points[len(r.Points)-1]
	if lo.List.P99ms > 0 {
		r.ListP99Ratio = hi.List.P99ms / lo.List.P99ms
	}
	if lo.Get.P99ms > 0 {
		r.GetP99Ratio = hi.Get.P99ms / lo.Get.P99ms
	}
	return r, ctx.Err()
}

// analyze vacuums and refreshes the planner's statistics after a bulk load,
// as autovacuum would shortly, so that it does not run during a measurement.
func analyze(ctx context.Context, ownerURL string) {
	c, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return
	}
	defer c.Close(ctx)
	_, _ = c.Exec(ctx, "vacuum (analyze)")
}

func postgresVersion(ctx context.Context, u string) string {
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return ""
	}
	defer c.Close(ctx)
	var v string
	_ = c.QueryRow(ctx, "show server_version").Scan(&v)
	return "PostgreSQL " + v
}

// withPool sets pgxpool's pool size in a PostgreSQL URL.
func withPool(u string, n int) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := p.Query()
	q.Set("pool_max_conns", fmt.Sprint(n))
	p.RawQuery = q.Encode()
	return p.String()
}

// checkLoopback refuses targets that are not on this machine's loopback.
func checkLoopback(target string) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("-target %q is not an http(s) URL", target)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return errors.New("-target must be a loopback address (127.0.0.0/8, ::1 or localhost)")
}
