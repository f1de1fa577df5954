package main

import (
	"math/bits"
	"time"
)

// histogram counts latencies in log-linear buckets: exact below 128 ns, and
// within 1/64 (1.6%) above, the scheme of HdrHistogram with 6 significant
// bits. It is small (a few thousand counters) and merging is addition, so each
// load worker keeps its own and no lock is taken per request.
type histogram struct {
	counts []uint64
	n      uint64
	max    time.Duration
}

const (
	subBits    = 7
	subBuckets = 1 << subBits // 128
	halfSub    = subBuckets / 2
	maxExp     = 40 // durations up to ~2^47 ns (39 hours)
)

func newHistogram() *histogram {
	return &histogram{counts: make([]uint64, subBuckets+maxExp*halfSub)}
}

// bucket returns the index of v (nanoseconds).
func bucket(v uint64) int {
	if v < subBuckets {
		return int(v)
	}
	e := bits.Len64(v) - subBits
	if e > maxExp {
		e, v = maxExp, (1<<(maxExp+subBits))-1
	}
	return e*halfSub + int(v>>e)
}

// lowest returns the smallest value that falls in bucket i.
func lowest(i int) uint64 {
	if i < subBuckets {
		return uint64(i)
	}
	e := (i - halfSub) / halfSub
	m := uint64(i - e*halfSub)
	return m << e
}

// Record adds one latency.
func (h *histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(uint64(d))]++
	h.n++
	h.max = max(h.max, d)
}

// Merge adds o's counts to h.
func (h *histogram) Merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count is the number of recorded latencies.
func (h *histogram) Count() uint64 { return h.n }

// Quantile returns the latency below which a fraction q of the recorded ones
// fall, as the middle of its bucket (never above the largest seen).
func (h *histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := lowest(i), lowest(i+1)
			return min(time.Duration(lo+(hi-lo)/2), h.max)
		}
	}
	return h.max
}
