package main

import (
	"encoding/binary"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestStatCPUTicks(t *testing.T) {
	t.Parallel()
	// A real line (from a Go server) with the command name replaced: utime
	// (field 14) is 1234 and stime (field 15) is 567.
	const rest = " S 28487 28487 27769 0 -1 4194560 9803 0 3 0 1234 567 0 0 20 0 9 0 139414 1271152640 17432 " +
		"18446744073709551615 4194304 12849733 140732853554800 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0\n"
	tests := []struct {
		name    string
		stat    string
		want    int64
		wantErr bool
	}{
		{"plain name", "28499 (tenantry-bench)" + rest, 1801, false},
		{"name with spaces and parentheses", "28499 (a) b (c d) 7 8 9)" + rest, 1801, false},
		{"name that looks like fields", "28499 (x) R 1 1 1 0 -1 0 0 0 0 0 99 99 0)" + rest, 1801, false},
		{"no parenthesis", "28499 tenantry" + rest, 0, true},
		{"truncated", "28499 (tenantry) S 1 1 1 0 -1 0 0 0 0 0 1234", 0, true},
		{"not a number", "28499 (tenantry) S 1 1 1 0 -1 0 0 0 0 0 12x4 567 0 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := statCPUTicks(tt.stat)
			if (err != nil) != tt.wantErr {
				t.Fatalf("statCPUTicks: err = %v, want error: %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("statCPUTicks = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestTicksToDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ticks, hz int64
		want      time.Duration
	}{
		{0, 100, 0},
		{1, 100, 10 * time.Millisecond},
		{1801, 100, 18010 * time.Millisecond},
		{3, 250, 12 * time.Millisecond},
		{1001, 1000, 1001 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := ticksToDuration(tt.ticks, tt.hz); got != tt.want {
			t.Errorf("ticksToDuration(%d, %d) = %v, want %v", tt.ticks, tt.hz, got, tt.want)
		}
	}
}

func TestCPUPerRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cpu      time.Duration
		requests int64
		want     float64
	}{
		{time.Second, 4000, 250},
		{ticksToDuration(57, 100), 1900, 300},
		{10 * time.Millisecond, 3, 10000.0 / 3},
		{time.Second, 0, 0}, // no requests: no division by zero
		{0, 0, 0},
		{0, 60, 0},
	}
	for _, tt := range tests {
		if got := cpuPerRequest(tt.cpu, tt.requests); got != tt.want {
			t.Errorf("cpuPerRequest(%v, %d) = %v, want %v", tt.cpu, tt.requests, got, tt.want)
		}
	}
}

// TestSampleCPU checks the per-request CPU time over several turns: the CPU
// times add up and are divided by all the turns' requests, and one turn
// whose CPU time could not be read makes it unknown.
func TestSampleCPU(t *testing.T) {
	t.Parallel()
	turn := func(requests int, cpu time.Duration, noCPU bool) sample {
		h := newHistogram()
		for range requests {
			h.Record(time.Millisecond)
		}
		return sample{hist: h, elapsed: time.Second, cpu: cpu, noCPU: noCPU}
	}
	var s sample
	s.add(turn(1000, 300*time.Millisecond, false))
	s.add(turn(3000, 500*time.Millisecond, false))
	if got, want := s.measurement().CPUusPerRequest, 200.0; got != want {
		t.Errorf("cpu µs/request = %v, want %v", got, want)
	}
	s.add(turn(1000, 0, true))
	if got := s.measurement().CPUusPerRequest; got != 0 {
		t.Errorf("with a turn unread: cpu µs/request = %v, want 0", got)
	}
	var empty sample
	if got := empty.measurement().CPUusPerRequest; got != 0 {
		t.Errorf("no turns: cpu µs/request = %v, want 0", got)
	}
}

func TestAuxvValue(t *testing.T) {
	t.Parallel()
	vec := func(wordSize int, words ...uint64) []byte {
		var b []byte
		for _, w := range words {
			if wordSize == 4 {
				b = binary.NativeEndian.AppendUint32(b, uint32(w))
			} else {
				b = binary.NativeEndian.AppendUint64(b, w)
			}
		}
		return b
	}
	tests := []struct {
		name     string
		b        []byte
		wordSize int
		want     uint64
		ok       bool
	}{
		{"64-bit", vec(8, 6, 4096, atClkTck, 100, 0, 0), 8, 100, true},
		{"32-bit", vec(4, 6, 4096, atClkTck, 250, 0, 0), 4, 250, true},
		{"absent", vec(8, 6, 4096, 0, 0), 8, 0, false},
		{"after the end", vec(8, 6, 4096, 0, 0, atClkTck, 100), 8, 0, false},
		{"truncated", vec(8, 6, 4096, atClkTck)[:20], 8, 0, false},
	}
	for _, tt := range tests {
		got, ok := auxvValue(tt.b, tt.wordSize, atClkTck)
		if got != tt.want || ok != tt.ok {
			t.Errorf("%s: auxvValue = %d, %v; want %d, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

// TestProcessCPU reads this process's CPU time while it burns some: the
// reading must grow, by clock ticks, within a few seconds.
func TestProcessCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/PID/stat is Linux's")
	}
	hz := clockTicks()
	if hz <= 0 || hz > 10000 {
		t.Fatalf("clockTicks = %d, not plausible", hz)
	}
	before, err := processCPU(os.Getpid(), hz)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	x := 0
	for time.Now().Before(deadline) {
		for range 1000 {
			x += len(strings.Repeat("x", 64))
		}
		now, err := processCPU(os.Getpid(), hz)
		if err != nil {
			t.Fatal(err)
		}
		if d := now - before; d >= 50*time.Millisecond {
			if tick := time.Second / time.Duration(hz); d%tick != 0 {
				t.Errorf("CPU time grew by %v, not a whole number of %v ticks", d, tick)
			}
			return
		}
	}
	t.Errorf("CPU time did not grow by 50ms in 5s of busy work (%d bytes built)", x)
}
