package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// serveFails runs "serve" with args and env, in a directory of its own that
// holds the default database path, and returns its error and stderr. The
// test fails if serve started, or if it left anything in the directory.
func serveFails(t *testing.T, env map[string]string, args ...string) (error, string) {
	t.Helper()
	dir := t.TempDir()
	args = append([]string{"tenantry", "serve", "-addr", "127.0.0.1:0"}, args...)
	for i, a := range args {
		args[i] = strings.ReplaceAll(a, "$DIR", dir)
	}
	// A serve that starts by mistake stops after a while, and fails the test.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	err := run(ctx, args, func(k string) string { return strings.ReplaceAll(env[k], "$DIR", dir) }, nil, io.Discard, &stderr)
	if err == nil {
		t.Fatalf("serve %q started", args[2:])
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("serve %q failed (%v) but left %v behind", args[2:], err, left)
	}
	return err, stderr.String()
}

// TestServeRefusesBadConfig: every bad setting stops start-up before
// anything is created, with an error that names what was used and what is
// accepted.
func TestServeRefusesBadConfig(t *testing.T) {
	t.Parallel()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() }) // after the parallel subtests
	secret := map[string]string{"TENANTRY_SECRET": strings.Repeat("s", 40)}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string // in the error
	}{
		{"bool flag", nil, []string{"-db", "$DIR/t.db", "-secure-cookies=yes"},
			[]string{"-secure-cookies", "true or false"}},
		{"bool variable", map[string]string{"TENANTRY_SECURE_COOKIES": "yes"}, []string{"-db", "$DIR/t.db"},
			[]string{"TENANTRY_SECURE_COOKIES", "true or false"}},
		{"level flag", nil, []string{"-db", "$DIR/t.db", "-log-level", "loud"},
			[]string{"-log-level", "debug, info, warn or error"}},
		{"level variable", map[string]string{"TENANTRY_LOG_LEVEL": "loud"}, []string{"-db", "$DIR/t.db"},
			[]string{"TENANTRY_LOG_LEVEL", "debug, info, warn or error"}},
		{"mysql URL", nil, []string{"-db", "mysql://u@h/db"},
			[]string{"-db", `"mysql" URLs are not supported`, "postgres://"}},
		{"sqlite URL in the variable", map[string]string{"TENANTRY_DB": "sqlite:///$DIR/t.db"}, nil,
			[]string{"TENANTRY_DB", `"sqlite" URLs`}},
		{"file URI", nil, []string{"-db", "file:$DIR/t.db"}, []string{"not a plain file path"}},
		{"SQLite options", nil, []string{"-db", "$DIR/t.db?mode=ro"}, []string{"not a plain file path"}},
		{"empty", nil, []string{"-db", " "}, []string{"-db is empty"}},
		{"missing directory", nil, []string{"-db", "$DIR/no/such/t.db"}, []string{"directory", "does not exist"}},
		{"directory as database", nil, []string{"-db", "$DIR"}, []string{"is a directory"}},
		{"keyword DSN without a secret", nil, []string{"-db", "host=127.0.0.1 port=1 user=u dbname=d"},
			[]string{"TENANTRY_SECRET is required with PostgreSQL"}},
		{"keyword DSN, closed port", secret, []string{"-db", "host=127.0.0.1 port=1 user=u dbname=d password=hunter2"},
			[]string{"open database host=127.0.0.1 port=1 user=u dbname=d password=xxxxx", "failed to connect to `user=u database=d`"}},
		{"address in use", nil, []string{"-db", "$DIR/t.db", "-addr", busy.Addr().String()},
			[]string{"address already in use"}},
		{"metrics address in use", nil, []string{"-db", "$DIR/t.db", "-metrics-addr", busy.Addr().String()},
			[]string{"metrics", "address already in use"}},
		{"TLS certificate alone", nil, []string{"-db", "$DIR/t.db", "-tls-cert", "$DIR/cert.pem"},
			[]string{"-tls-cert and -tls-key go together"}},
		{"TLS files missing", nil, []string{"-db", "$DIR/t.db", "-tls-cert", "$DIR/cert.pem", "-tls-key", "$DIR/key.pem"},
			[]string{"-tls-cert, -tls-key", "cert.pem", "no such file"}},
		{"pool size zero", nil, []string{"-db", "$DIR/t.db", "-db-max-conns", "0"},
			[]string{"-db-max-conns must be a number of connections"}},
		{"pool size in the variable", map[string]string{"TENANTRY_DB_MAX_CONNS": "0"}, []string{"-db", "$DIR/t.db"},
			[]string{"TENANTRY_DB_MAX_CONNS must be a number of connections"}},
		{"pool size twice", secret, []string{"-db", "host=127.0.0.1 port=1 user=u dbname=d pool_max_conns=3", "-db-max-conns", "5"},
			[]string{"pool size is set twice", "set one"}},
		{"audit retention under a day", nil, []string{"-db", "$DIR/t.db", "-audit-retention", "1h"},
			[]string{"-audit-retention must be at least 24h0m0s"}},
		{"short secret", map[string]string{"TENANTRY_SECRET": "short"}, []string{"-db", "$DIR/t.db"},
			[]string{"TENANTRY_SECRET must be at least 32"}},
		{"redis without a secret", nil, []string{"-db", "$DIR/t.db", "-redis", "redis://127.0.0.1:6379"},
			[]string{"-redis needs TENANTRY_SECRET"}},
		{"redis scheme", map[string]string{"TENANTRY_SECRET": strings.Repeat("s", 40), "TENANTRY_REDIS": "http://:hunter2@127.0.0.1"},
			[]string{"-db", "$DIR/t.db"}, []string{"invalid value for TENANTRY_REDIS", "redis://"}},
		{"redis bad URL", secret, []string{"-db", "$DIR/t.db", "-redis", "redis://:hunter2%zz@127.0.0.1"},
			[]string{"invalid value for -redis", "not a URL"}},
		{"redis bad database", secret, []string{"-db", "$DIR/t.db", "-redis", "redis://:hunter2@127.0.0.1/first"},
			[]string{"invalid value for -redis", "database number"}},
		{"redis closed port", secret, []string{"-db", "$DIR/t.db", "-redis", "redis://:hunter2@127.0.0.1:1/0"},
			[]string{"Redis at redis://:xxxxx@127.0.0.1:1/0 (-redis) does not answer", "connection refused"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err, stderr := serveFails(t, tc.env, tc.args...)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(stderr, "hunter2") {
				t.Errorf("error %q or the log holds the password:\n%s", err, stderr)
			}
		})
	}
}

// TestKeywordDSNIsNeverAFile: a keyword/value string is PostgreSQL, not the
// name of a SQLite file in the working directory.
func TestKeywordDSNIsNeverAFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	dsn := "host=127.0.0.1 port=1 user=u dbname=d sslmode=disable"
	env := map[string]string{"TENANTRY_SECRET": strings.Repeat("s", 40), "TENANTRY_DB": dsn}
	err := run(context.Background(), []string{"tenantry", "serve", "-addr", "127.0.0.1:0"},
		func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "postgres: connect") {
		t.Errorf("serve with TENANTRY_DB=%q: err = %v, want a PostgreSQL connection error", dsn, err)
	}
	err = run(context.Background(), []string{"tenantry", "migrate"},
		func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "failed to connect") {
		t.Errorf("migrate with TENANTRY_DB=%q: err = %v, want a PostgreSQL connection error", dsn, err)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("a keyword DSN left %v in the working directory", left)
	}
}

// TestReadOnlyDirectory: a directory the server may not write to is reported
// as such, before anything is tried.
func TestReadOnlyDirectory(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root may write to a read-only directory")
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"tenantry", "serve", "-addr", "127.0.0.1:0", "-db", filepath.Join(dir, "t.db")},
		func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "directory "+dir+" is read-only") {
		t.Errorf("err = %v, want it to name the read-only directory", err)
	}
}

// TestBadFlagPrintedOnce: the flag package prints its error and the usage;
// main must not print the error again.
func TestBadFlagPrintedOnce(t *testing.T) {
	t.Parallel()
	err, stderr := serveFails(t, nil, "-nope")
	if !errors.As(err, new(shownError)) {
		t.Errorf("err = %v, not marked as already shown", err)
	}
	if n := strings.Count(stderr, "flag provided but not defined: -nope"); n != 1 {
		t.Errorf("the error is printed %d times:\n%s", n, stderr)
	}
	// A bad variable is not seen by the flag package: main prints it.
	err, _ = serveFails(t, map[string]string{"TENANTRY_LOG_LEVEL": "loud"})
	if errors.As(err, new(shownError)) {
		t.Errorf("err = %v is marked as shown, but nothing printed it", err)
	}
}

func TestMessageOnceEach(t *testing.T) {
	t.Parallel()
	err := errors.New("connect:\n\t127.0.0.1:1: refused\n\t127.0.0.1:1: refused\n\t[::1]:1: refused")
	if got, want := message(err), "connect:\n\t127.0.0.1:1: refused\n\t[::1]:1: refused"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

func TestUsageNamesValuesAndDefaults(t *testing.T) {
	t.Parallel()
	var stderr bytes.Buffer
	err := run(context.Background(), []string{"tenantry", "serve", "-h"}, func(string) string { return "" }, nil, io.Discard, &stderr)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("serve -h: %v", err)
	}
	for _, want := range []string{
		"-addr address", "(default 127.0.0.1:8080)", "-db database", "(default tenantry.db)",
		"-log-level level", "(default info)", "-tls-cert file", "$TENANTRY_ADDR",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"tenantry", "version"}, {"tenantry", "-version"}} {
		var stdout bytes.Buffer
		if err := run(context.Background(), args, func(string) string { return "" }, nil, &stdout, io.Discard); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if got := stdout.String(); !strings.HasPrefix(got, "tenantry ") || !strings.Contains(got, runtime.Version()) {
			t.Errorf("%v printed %q, want the version and %s", args, got, runtime.Version())
		}
	}
}

func TestBuildFrom(t *testing.T) {
	t.Parallel()
	rev := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, tc := range []struct {
		bi        debug.BuildInfo
		line, api string
	}{
		{debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}},
			"tenantry v1.2.3 go1.26.8", "v1.2.3"},
		{debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}, Settings: rev},
			"tenantry (devel) (commit 0123456789ab, 2026-12-01T10:00:00Z, modified) go1.26.8", "devel-0123456789ab+dirty"},
		{debug.BuildInfo{GoVersion: "go1.26.8"}, "tenantry (devel) go1.26.8", "devel"},
	} {
		b := buildFrom(&tc.bi)
		if got := b.String(); got != tc.line {
			t.Errorf("String() = %q, want %q", got, tc.line)
		}
		if got := b.API(); got != tc.api {
			t.Errorf("API() = %q, want %q", got, tc.api)
		}
	}
}

// TestOpenAPIVersionIsTheBuild: the served document's info.version is the
// version "tenantry version" reports.
func TestOpenAPIVersionIsTheBuild(t *testing.T) {
	t.Parallel()
	base, _ := startServe(t, filepath.Join(t.TempDir(), "t.db"), nil)
	res, err := http.Get(base + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var doc struct {
		Info struct{ Version string } `json:"info"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if got, want := doc.Info.Version, readBuild().API(); got != want || got == "" {
		t.Errorf("info.version = %q, want %q", got, want)
	}
}
