package faults

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
)

// cluster is a PostgreSQL cluster of the test's own, in a temporary
// directory on a port of its own, which the test may stop and start. The
// shared server of TENANTRY_TEST_POSTGRES is never touched.
type cluster struct {
	bin    string   // the directory of initdb and pg_ctl
	runAs  []string // prefix that runs a command as the cluster's owner
	data   string
	port   int
	logTo  string
	socket string
}

// newCluster makes and starts a cluster, and stops it when the test ends.
// It skips the test when TENANTRY_TEST_POSTGRES is unset (no PostgreSQL on
// this machine, as far as the tests know), when the server binaries are
// missing, or when it runs as root without a postgres user to run them as
// (PostgreSQL refuses to run as root).
func newCluster(t *testing.T) *cluster {
	t.Helper()
	if os.Getenv("TENANTRY_TEST_POSTGRES") == "" {
		t.Skip("TENANTRY_TEST_POSTGRES is not set: skipping the test that stops a PostgreSQL cluster of its own " +
			"(it needs PostgreSQL's initdb and pg_ctl, from /usr/lib/postgresql/<version>/bin)")
	}
	bin := serverBin(t)
	c := &cluster{bin: bin}
	dir := t.TempDir()
	if os.Geteuid() == 0 {
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("running as root and there is no postgres user to run the cluster as: %v", err)
		}
		runuser, err := exec.LookPath("runuser")
		if err != nil {
			t.Skipf("running as root and runuser is missing: %v", err)
		}
		c.runAs = []string{runuser, "-u", "postgres", "--"}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		// t.TempDir's directories are the test's own (0700): let the
		// postgres user through them to a directory of its own.
		for _, d := range []string{filepath.Dir(dir), dir} {
			if err := os.Chmod(d, 0o711); err != nil {
				t.Fatal(err)
			}
		}
		own := filepath.Join(dir, "pg")
		if err := os.Mkdir(own, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(own, uid, gid); err != nil {
			t.Fatal(err)
		}
		dir = own
	}
	c.data = filepath.Join(dir, "data")
	c.logTo = filepath.Join(dir, "postgres.log")
	c.socket = dir
	c.port = freePort(t)
	c.run(t, "initdb", "-D", c.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
	c.start(t)
	t.Cleanup(func() {
		cmd := exec.Command(c.path("pg_ctl"), "-D", c.data, "-m", "immediate", "stop")
		if len(c.runAs) > 0 {
			cmd = exec.Command(c.runAs[0], append(c.runAs[1:], cmd.Args...)...)
		}
		_ = cmd.Run() // already stopped is fine
	})
	return c
}

// serverBin finds the newest PostgreSQL server's binaries, or skips.
func serverBin(t *testing.T) string {
	t.Helper()
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p)
	}
	t.Skip("no PostgreSQL server binaries (pg_ctl) in /usr/lib/postgresql/*/bin or on PATH")
	return ""
}

func (c *cluster) path(name string) string { return filepath.Join(c.bin, name) }

// run runs one of the server's programs as the cluster's owner.
func (c *cluster) run(t *testing.T, name string, args ...string) {
	t.Helper()
	argv := append(append(append([]string{}, c.runAs...), c.path(name)), args...)
	out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(c.logTo)
		t.Fatalf("%s: %v\n%s\n%s", name, err, out, log)
	}
}

// start starts the cluster and waits until it accepts connections.
func (c *cluster) start(t *testing.T) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off", c.port, c.socket)
	c.run(t, "pg_ctl", "-D", c.data, "-l", c.logTo, "-w", "-t", "60", "-o", opts, "start")
}

// stop stops the cluster (fast: open sessions are ended) and waits.
func (c *cluster) stop(t *testing.T) {
	t.Helper()
	c.run(t, "pg_ctl", "-D", c.data, "-m", "fast", "-w", "-t", "60", "stop")
}

// url is the cluster's URL for role on database.
func (c *cluster) url(role, database string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", role, c.port, database)
}

// freePort returns a TCP port nothing listens on at the moment.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
