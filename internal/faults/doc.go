// Package faults holds tests that break what Tenantry stands on while it
// serves: the server killed with SIGKILL in the middle of SQLite writes, and
// a PostgreSQL cluster of the test's own stopped under load and started
// again. They build the tenantry binary and run it as a child process, as an
// operator would; .ci/run runs them with the rest of `go test ./...`.
package faults
