package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// defaultClockTicks is the rate of the clock ticks /proc/PID/stat counts CPU
// time in (USER_HZ) when the kernel does not say: 100 on every Linux
// architecture Go supports.
const defaultClockTicks = 100

// atClkTck is the auxiliary vector entry that carries USER_HZ, which is
// where C's sysconf(_SC_CLK_TCK) reads it from.
const atClkTck = 17

// clockTicks is USER_HZ, read from this process's auxiliary vector
// (/proc/self/auxv), or defaultClockTicks if that cannot be read.
func clockTicks() int64 {
	b, err := os.ReadFile("/proc/self/auxv")
	if err != nil {
		return defaultClockTicks
	}
	if hz, ok := auxvValue(b, strconv.IntSize/8, atClkTck); ok && hz > 0 {
		return int64(hz)
	}
	return defaultClockTicks
}

// auxvValue finds key in an auxiliary vector: pairs of native-endian words
// of wordSize bytes, ended by a zero key.
func auxvValue(b []byte, wordSize int, key uint64) (uint64, bool) {
	word := func(p []byte) uint64 {
		if wordSize == 4 {
			return uint64(binary.NativeEndian.Uint32(p))
		}
		return binary.NativeEndian.Uint64(p)
	}
	for ; len(b) >= 2*wordSize; b = b[2*wordSize:] {
		k, v := word(b), word(b[wordSize:])
		if k == 0 {
			break
		}
		if k == key {
			return v, true
		}
	}
	return 0, false
}

// processCPU is the CPU time (user and system, all threads) process pid has
// used so far, read from /proc/PID/stat. Its resolution is one clock tick
// (10 ms at 100 Hz).
func processCPU(pid int, hz int64) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	ticks, err := statCPUTicks(string(b))
	if err != nil {
		return 0, err
	}
	return ticksToDuration(ticks, hz), nil
}

// ticksToDuration converts clock ticks at hz per second to a duration.
func ticksToDuration(ticks, hz int64) time.Duration {
	return time.Duration(ticks/hz)*time.Second + time.Duration(ticks%hz)*time.Second/time.Duration(hz)
}

// statCPUTicks returns utime+stime, in clock ticks, from the contents of
// /proc/PID/stat. Field 2, the command name, is in parentheses and may hold
// spaces and parentheses itself, so the fields are counted from after the
// last ')': field 3 (state) is the first there, utime (14) the 12th and
// stime (15) the 13th.
func statCPUTicks(stat string) (int64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, errors.New("/proc stat: no ')' after the command name")
	}
	f := strings.Fields(stat[i+1:])
	const utime, stime = 14 - 3, 15 - 3
	if len(f) <= stime {
		return 0, fmt.Errorf("/proc stat: %d fields after the command name, want more than %d", len(f), stime)
	}
	u, err := strconv.ParseInt(f[utime], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc stat utime: %w", err)
	}
	s, err := strconv.ParseInt(f[stime], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc stat stime: %w", err)
	}
	return u + s, nil
}

// cpuPerRequest is cpu spread over requests, in microseconds; 0 when there
// were no requests.
func cpuPerRequest(cpu time.Duration, requests int64) float64 {
	if requests <= 0 {
		return 0
	}
	return float64(cpu.Nanoseconds()) / 1e3 / float64(requests)
}
