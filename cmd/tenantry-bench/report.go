package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is everything one run measured; it is also the JSON file's shape.
type Report struct {
	Started  time.Time  `json:"started"`
	Machine  Machine    `json:"machine"`
	Settings Settings   `json:"settings"`
	Runs     []DBRun    `json:"runs,omitempty"`
	Scale    []ScaleRun `json:"scale,omitempty"`
	Flood    []FloodRun `json:"flood,omitempty"`
}

// Machine is where the numbers came from.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPUModel   string `json:"cpu_model,omitempty"`
	GoVersion  string `json:"go_version"`
	OS         string `json:"os"`
	Postgres   string `json:"postgres,omitempty"`
}

// DBRun is the standard run on one database.
type DBRun struct {
	DB              string     `json:"db"`
	Tenants         int        `json:"tenants"`
	TasksPerTenant  int        `json:"tasks_per_tenant"`
	SeedSeconds     float64    `json:"seed_seconds"`
	Ops             []OpResult `json:"operations"`
	ServerPeakRSS   int64      `json:"server_peak_rss_bytes,omitempty"`
	BaselinePeakRSS int64      `json:"baseline_peak_rss_bytes,omitempty"`
	Profiles        []string   `json:"profiles,omitempty"`
}

// OpResult is one operation on our server and on the baseline.
type OpResult struct {
	Op       string       `json:"operation"`
	Tenantry Measurement  `json:"tenantry"`
	Baseline *Measurement `json:"baseline,omitempty"`
	// Ratio is Tenantry's requests/s over the baseline's.
	Ratio float64 `json:"ratio,omitempty"`
	// CPURatio is Tenantry's CPU time per request over the baseline's; 0
	// when either is unknown.
	CPURatio float64 `json:"cpu_ratio,omitempty"`
	// Floor is the baseline with the design's tenant_context call in front
	// of every statement (-floor, PostgreSQL), and FloorRatio its
	// requests/s over the baseline's: the most any server that follows the
	// design could reach.
	Floor      *Measurement `json:"floor,omitempty"`
	FloorRatio float64      `json:"floor_ratio,omitempty"`
}

// ScaleRun is the scale mode on one database: the same tenants measured at
// growing total sizes.
type ScaleRun struct {
	DB     string       `json:"db"`
	Points []ScalePoint `json:"points"`
	// ListP99Ratio is list-50's p99 at the largest size over the smallest.
	ListP99Ratio float64 `json:"list_p99_ratio"`
	GetP99Ratio  float64 `json:"get_p99_ratio"`
}

// ScalePoint is one size.
type ScalePoint struct {
	TotalTasks    int         `json:"total_tasks"`
	Tenants       int         `json:"tenants"`
	LoadedTenants int         `json:"loaded_tenants"`
	Get           Measurement `json:"get_by_id"`
	List          Measurement `json:"list_50"`
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), GoVersion: runtime.Version(),
		OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

func mb(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/(1<<20)) }

// orDash formats v, or "-" when it is 0: not measured.
func orDash(format string, v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

// printRun prints one database's table.
func printRun(w io.Writer, s Settings, r DBRun) {
	fmt.Fprintf(w, "\n%s: %d tenants x %d tasks, %d workers, %s per operation (seeded in %.1fs)\n",
		r.DB, r.Tenants, r.TasksPerTenant, s.Concurrency, s.Duration, r.SeedSeconds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\treq/s\tp50 ms\tp99 ms\tcpu µs/req\terrors\tbaseline req/s\tp50 ms\tp99 ms\tcpu µs/req\terrors\tratio\tcpu ratio\t")
	for _, o := range r.Ops {
		t := o.Tenantry
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%s\t%d\t", o.Op, t.RPS, t.P50ms, t.P99ms, orDash("%.0f", t.CPUusPerRequest), t.Errors)
		if b := o.Baseline; b != nil {
			fmt.Fprintf(tw, "%.0f\t%.2f\t%.2f\t%s\t%d\t%.2f\t%s\t\n", b.RPS, b.P50ms, b.P99ms,
				orDash("%.0f", b.CPUusPerRequest), b.Errors, o.Ratio, orDash("%.2f", o.CPURatio))
		} else {
			fmt.Fprint(tw, "-\t-\t-\t-\t-\t-\t-\t\n")
		}
	}
	tw.Flush()
	printFloor(w, r)
	if r.ServerPeakRSS > 0 {
		fmt.Fprintf(w, "server peak RSS (VmHWM): %s", mb(r.ServerPeakRSS))
		if r.BaselinePeakRSS > 0 {
			fmt.Fprintf(w, "; baseline: %s", mb(r.BaselinePeakRSS))
		}
		fmt.Fprintln(w)
	}
	printTargets(w, r)
	for _, o := range r.Ops {
		for _, m := range []*Measurement{&o.Tenantry, o.Baseline, o.Floor} {
			if m != nil && m.FirstError != "" {
				fmt.Fprintf(w, "first error (%s): %s\n", o.Op, m.FirstError)
			}
		}
	}
}

// printFloor prints the floor's table, if it was measured.
func printFloor(w io.Writer, r DBRun) {
	if len(r.Ops) == 0 || r.Ops[0].Floor == nil {
		return
	}
	fmt.Fprintln(w, "floor: the baseline with tenant_context in front of every statement, as the application role")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tfloor req/s\tp50 ms\tp99 ms\tcpu µs/req\terrors\tfloor ratio\ttenantry ratio\ttenantry / floor\t")
	for _, o := range r.Ops {
		f := o.Floor
		if f == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%s\t%d\t%.2f\t%.2f\t%s\t\n", o.Op, f.RPS, f.P50ms, f.P99ms,
			orDash("%.0f", f.CPUusPerRequest), f.Errors, o.FloorRatio, o.Ratio, orDash("%.2f", safeDiv(o.Tenantry.RPS, f.RPS)))
	}
	tw.Flush()
}

func safeDiv(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// The targets of issue 4.
const (
	targetRatio   = 0.80      // get-by-id and list-50, of the baseline's req/s
	targetRSS     = 100 << 20 // peak RSS in the standard run
	targetP99Grow = 1.5       // list-50 p99 at 1M tasks over 10k
)

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// printTargets says how the run compares with the targets.
func printTargets(w io.Writer, r DBRun) {
	var parts []string
	for _, o := range r.Ops {
		if (o.Op == OpGet || o.Op == OpList) && o.Baseline != nil {
			// Three decimals, cut rather than rounded, so that a ratio
			// just under the target never reads as the target.
			parts = append(parts, fmt.Sprintf("%s %.3f of baseline (>= %.2f: %s)", o.Op, math.Floor(o.Ratio*1000)/1000,
				targetRatio, mark(o.Ratio >= targetRatio)))
		}
	}
	if r.ServerPeakRSS > 0 {
		parts = append(parts, fmt.Sprintf("peak RSS %s (<= %s: %s)", mb(r.ServerPeakRSS), mb(targetRSS), mark(r.ServerPeakRSS <= targetRSS)))
	}
	if len(parts) > 0 {
		fmt.Fprintf(w, "targets: %s\n", strings.Join(parts, "; "))
	}
}

// printScale prints one database's scale table.
func printScale(w io.Writer, r ScaleRun) {
	fmt.Fprintf(w, "\n%s scale: load on %d tenants of %d tasks each, in databases of growing size\n",
		r.DB, r.Points[0].LoadedTenants, r.Points[0].TotalTasks/max(r.Points[0].Tenants, 1))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "total tasks\ttenants\tget req/s\tget p50\tget p99\tlist req/s\tlist p50\tlist p99\terrors\t")
	for _, p := range r.Points {
		fmt.Fprintf(tw, "%d\t%d\t%.0f\t%.2f\t%.2f\t%.0f\t%.2f\t%.2f\t%d\t\n", p.TotalTasks, p.Tenants,
			p.Get.RPS, p.Get.P50ms, p.Get.P99ms, p.List.RPS, p.List.P50ms, p.List.P99ms, p.Get.Errors+p.List.Errors)
	}
	tw.Flush()
	fmt.Fprintf(w, "p99 at the largest size over the smallest: list-50 %.2fx (<= %.1fx: %s), get-by-id %.2fx\n",
		r.ListP99Ratio, targetP99Grow, mark(r.ListP99Ratio <= targetP99Grow), r.GetP99Ratio)
}
