package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ChildCommand is the hidden first argument that makes the bench binary (or
// a test binary that handles it in TestMain) serve one server for the
// benchmark instead of running it. Running servers as child processes keeps
// their memory apart from the load generator's, so the peak RSS read from
// /proc is the server's alone.
const ChildCommand = "__tenantry-bench-child"

// secretEnv carries the token secret to the child, out of its argv.
const secretEnv = "TENANTRY_BENCH_SECRET"

// childSpec says what a child serves.
type childSpec struct {
	Kind   string `json:"kind"`   // "tenantry" or "baseline"
	Engine string `json:"engine"` // "sqlite" or "postgres"
	// DSN is the SQLite file or the PostgreSQL URL the server uses.
	DSN string `json:"dsn"`
	// Context makes a PostgreSQL baseline the floor: every statement behind
	// tenant_context, as the application role (see postgresBase).
	Context bool `json:"context,omitempty"`
	// NoAuthCache serves tenantry without the token cache.
	NoAuthCache bool `json:"no_auth_cache,omitempty"`
	// Pprof serves net/http/pprof on a second loopback port.
	Pprof bool `json:"pprof,omitempty"`
	// Limits is the server's limits: "" or "on" for the defaults, "off"
	// for none, "hash" for the bound on password hashing alone.
	Limits string `json:"limits,omitempty"`
	// Redis, when set, is where the rate limits are counted.
	Redis string `json:"redis,omitempty"`
}

// child is a running server process.
type child struct {
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	addr      string // host:port of the server
	pprofAddr string // host:port of pprof, or ""
	hz        int64  // clock ticks per second in /proc/PID/stat
	done      chan error
}

// startChild starts a server process and waits until it listens. Its
// stderr (the server's log) goes to logw.
func startChild(ctx context.Context, spec childSpec, secret string, logw io.Writer) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the bench binary: %w", err)
	}
	b, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, ChildCommand, string(b))
	cmd.Env = append(os.Environ(), secretEnv+"="+secret)
	cmd.Stderr = logw
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s server: %w", spec.Kind, err)
	}
	c := &child{cmd: cmd, stdin: stdin, hz: clockTicks(), done: make(chan error, 1)}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
		c.done <- cmd.Wait()
	}()
	select {
	case line, ok := <-lines:
		f := strings.Fields(line)
		if !ok || len(f) < 2 || f[0] != "listening" {
			c.Stop()
			return nil, fmt.Errorf("%s server did not start (see its log)", spec.Kind)
		}
		c.addr = f[1]
		if len(f) > 2 {
			c.pprofAddr = f[2]
		}
	case <-time.After(2 * time.Minute):
		c.Stop()
		return nil, fmt.Errorf("%s server did not start within 2 minutes", spec.Kind)
	case <-ctx.Done():
		c.Stop()
		return nil, ctx.Err()
	}
	return c, nil
}

// URL is the server's base URL.
func (c *child) URL() string { return "http://" + c.addr }

// PeakRSS is the child's peak resident set size (VmHWM), in bytes.
func (c *child) PeakRSS() (int64, error) {
	return peakRSS(c.cmd.Process.Pid)
}

// CPUTime is the CPU time (user and system) the child has used so far.
func (c *child) CPUTime() (time.Duration, error) {
	return processCPU(c.cmd.Process.Pid, c.hz)
}

// Stop asks the child to shut down (by closing its stdin) and waits; after
// ten seconds it kills it.
func (c *child) Stop() {
	c.stdin.Close()
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// peakRSS reads VmHWM from /proc/PID/status.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, err
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// RunChild is the child side: args are ChildCommand and the JSON spec. It
// serves on a loopback port, prints "listening ADDR [PPROF_ADDR]" on stdout,
// and returns when stdin closes or ctx is done.
func RunChild(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) != 2 || args[0] != ChildCommand {
		return errors.New("usage: " + ChildCommand + " SPEC")
	}
	var spec childSpec
	if err := json.Unmarshal([]byte(args[1]), &spec); err != nil {
		return fmt.Errorf("child spec: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		cancel()
	}()

	var (
		h       http.Handler
		cleanup func() error
		err     error
	)
	switch spec.Kind {
	case "tenantry":
		h, cleanup, err = tenantryHandler(ctx, spec, getenv(secretEnv), stderr)
	case "baseline":
		h, cleanup, err = baselineHandler(ctx, spec)
	default:
		err = fmt.Errorf("unknown server kind %q", spec.Kind)
	}
	if err != nil {
		return err
	}
	defer cleanup()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	addrs := ln.Addr().String()
	var psrv *http.Server
	if spec.Pprof {
		pln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		psrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = psrv.Serve(pln) }()
		addrs += " " + pln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "listening %s\n", addrs)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if psrv != nil {
		_ = psrv.Shutdown(sctx)
	}
	return srv.Shutdown(sctx)
}
