package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsAreOrderedAndTight(t *testing.T) {
	t.Parallel()
	prev := -1
	for v := uint64(0); v < 1<<22; v += 1 + v/97 {
		i := bucket(v)
		if i < prev {
			t.Fatalf("bucket(%d) = %d < bucket of a smaller value %d", v, i, prev)
		}
		prev = i
		if lo, hi := lowest(i), lowest(i+1); v < lo || v >= hi {
			t.Fatalf("value %d in bucket %d = [%d, %d)", v, i, lo, hi)
		}
		if lo, hi := lowest(i), lowest(i+1); v >= subBuckets && float64(hi-lo)/float64(lo) > 1.0/64+1e-9 {
			t.Fatalf("bucket %d = [%d, %d) is wider than 1/64", i, lo, hi)
		}
	}
}

func TestQuantilesMatchSortedSamples(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	h := newHistogram()
	var samples []time.Duration
	for range 100_000 {
		d := time.Duration(r.ExpFloat64() * float64(300*time.Microsecond))
		samples = append(samples, d)
		h.Record(d)
	}
	slices.Sort(samples)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := samples[int(q*float64(len(samples)))-1]
		got := h.Quantile(q)
		if diff := float64(got-want) / float64(want); diff > 0.02 || diff < -0.02 {
			t.Errorf("Quantile(%v) = %v, want %v within 2%%", q, got, want)
		}
	}
	if got, want := h.Count(), uint64(len(samples)); got != want {
		t.Errorf("Count = %d, want %d", got, want)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	a, b := newHistogram(), newHistogram()
	for range 10 {
		a.Record(time.Millisecond)
		b.Record(3 * time.Millisecond)
	}
	a.Merge(b)
	if got, want := a.Count(), uint64(20); got != want {
		t.Errorf("Count = %d, want %d", got, want)
	}
	if got := a.Quantile(0.99); got < 2900*time.Microsecond || got > 3*time.Millisecond {
		t.Errorf("p99 = %v, want about 3ms", got)
	}
	if got := a.Quantile(0.25); got < 990*time.Microsecond || got > 1020*time.Microsecond {
		t.Errorf("p25 = %v, want about 1ms", got)
	}
}
