package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// build is what the Go toolchain recorded about this binary: the main
// module's version (a tag for "go install …@v1.2.3", "(devel)" for a build
// from a work tree) and, when built inside a Git checkout, the commit.
type build struct {
	Version  string // main module version
	Revision string // vcs.revision
	Time     string // vcs.time
	Modified bool   // vcs.modified: the work tree had uncommitted changes
	Go       string // toolchain
}

// readBuild reads the binary's build info; a binary without any (built
// outside module mode) is "(devel)".
func readBuild() build {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return build{Version: "(devel)"}
	}
	return buildFrom(bi)
}

func buildFrom(bi *debug.BuildInfo) build {
	b := build{Version: bi.Main.Version, Go: bi.GoVersion}
	if b.Version == "" {
		b.Version = "(devel)"
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// API is the version the OpenAPI document's info.version names: the module
// version of a release; for a work-tree build, "devel" and the short commit
// (with "+dirty" for uncommitted changes) so two builds can be told apart.
func (b build) API() string {
	if b.Version != "(devel)" {
		return b.Version
	}
	v := "devel"
	if b.Revision != "" {
		v += "-" + short(b.Revision)
	}
	if b.Modified {
		v += "+dirty"
	}
	return v
}

// String is the line "tenantry version" prints.
func (b build) String() string {
	var extra []string
	if b.Revision != "" {
		extra = append(extra, "commit "+short(b.Revision))
	}
	if b.Time != "" {
		extra = append(extra, b.Time)
	}
	if b.Modified {
		extra = append(extra, "modified")
	}
	s := "tenantry " + b.Version
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	if b.Go != "" {
		s += " " + b.Go
	}
	return s
}

func short(rev string) string {
	if len(rev) > 12 {
		return rev[:12]
	}
	return rev
}

func runVersion(stdout io.Writer) error {
	_, err := fmt.Fprintln(stdout, readBuild())
	return err
}
