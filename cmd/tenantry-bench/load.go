package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// request is one HTTP request a load worker sends.
type request struct {
	method string
	path   string
	body   string // JSON, or ""
	token  string // bearer token, or ""
	ctype  string // the body's type when not JSON
}

// workload picks the next request. Each worker calls it with its own
// random source, so it must not share mutable state between calls.
type workload func(r *rand.Rand) request

// load is one measurement: a number of workers, each sending one request
// at a time over its own keep-alive connection, until the duration is up or
// the request budget is spent.
type load struct {
	baseURL     string
	client      *http.Client
	concurrency int
	duration    time.Duration
	maxRequests int64 // 0: no budget
	seed        uint64
	// interval, when set, paces each worker to at most one request per
	// interval, as a person's client would send, not a tight loop.
	interval time.Duration
	// cpu reads the server process's CPU time so far; nil when the server
	// is not our child.
	cpu func() (time.Duration, error)
}

// Measurement is what one load measured.
type Measurement struct {
	Requests int64   `json:"requests"`
	Errors   int64   `json:"errors"`
	Seconds  float64 `json:"seconds"`
	RPS      float64 `json:"requests_per_second"`
	P50ms    float64 `json:"p50_ms"`
	P90ms    float64 `json:"p90_ms"`
	P99ms    float64 `json:"p99_ms"`
	MaxMs    float64 `json:"max_ms"`
	// CPUusPerRequest is the server process's CPU time (user and system)
	// over the measurement, in microseconds, divided by the requests
	// answered; 0 when unknown (no child process, or no /proc).
	CPUusPerRequest float64 `json:"cpu_us_per_request,omitempty"`
	FirstError      string  `json:"first_error,omitempty"`
	// Limited and ServerErrors count the errors answered 429 and 5xx.
	Limited      int64 `json:"limited_429,omitempty"`
	ServerErrors int64 `json:"server_errors_5xx,omitempty"`
}

// newClient returns a keep-alive HTTP/1.1 client for n concurrent workers
// on loopback.
func newClient(n int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        2 * n,
			MaxIdleConnsPerHost: 2 * n,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
		},
	}
}

// sample is what one stretch of load measured; samples of the same
// operation add up.
type sample struct {
	hist     *histogram
	errors   int64
	limited  int64 // of the errors, 429s
	server   int64 // of the errors, 5xx
	elapsed  time.Duration
	firstErr string
	// cpu is the server's CPU time during the samples; noCPU says it could
	// not be read for at least one of them.
	cpu   time.Duration
	noCPU bool
}

func (s *sample) add(o sample) {
	if s.hist == nil {
		s.hist = newHistogram()
	}
	s.hist.Merge(o.hist)
	s.errors += o.errors
	s.limited += o.limited
	s.server += o.server
	s.elapsed += o.elapsed
	s.cpu += o.cpu
	s.noCPU = s.noCPU || o.noCPU
	if s.firstErr == "" {
		s.firstErr = o.firstErr
	}
}

// measurement summarizes the samples.
func (s sample) measurement() Measurement {
	if s.hist == nil {
		s.hist = newHistogram()
	}
	m := Measurement{
		Requests:     int64(s.hist.Count()),
		Errors:       s.errors,
		Seconds:      s.elapsed.Seconds(),
		P50ms:        ms(s.hist.Quantile(0.50)),
		P90ms:        ms(s.hist.Quantile(0.90)),
		P99ms:        ms(s.hist.Quantile(0.99)),
		MaxMs:        ms(s.hist.max),
		FirstError:   s.firstErr,
		Limited:      s.limited,
		ServerErrors: s.server,
	}
	if !s.noCPU {
		m.CPUusPerRequest = cpuPerRequest(s.cpu, m.Requests)
	}
	if s.elapsed > 0 {
		m.RPS = float64(m.Requests-m.Errors) / s.elapsed.Seconds()
	}
	return m
}

// run drives the load and measures it.
func (l load) run(ctx context.Context, w workload) Measurement {
	return l.sample(ctx, w).measurement()
}

// sample drives the load once. Every request is timed; a transport error or
// a status outside 2xx counts as an error.
func (l load) sample(ctx context.Context, w workload) sample {
	ctx, cancel := context.WithTimeout(ctx, l.duration)
	defer cancel()
	var (
		sent     atomic.Int64
		errs     atomic.Int64
		limited  atomic.Int64
		server   atomic.Int64
		firstErr atomic.Pointer[string]
		mu       sync.Mutex
		total    = newHistogram()
		wg       sync.WaitGroup
	)
	fail := func(msg string) {
		errs.Add(1)
		firstErr.CompareAndSwap(nil, &msg)
	}
	cpu0, cpuErr := l.readCPU()
	start := time.Now()
	for i := range l.concurrency {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(l.seed, uint64(i)))
			h := newHistogram()
			var next time.Time // when this worker's next request may start (interval)
			defer func() {
				mu.Lock()
				total.Merge(h)
				mu.Unlock()
			}()
			for ctx.Err() == nil {
				if l.maxRequests > 0 && sent.Add(1) > l.maxRequests {
					return
				}
				req := w(r)
				t0 := time.Now()
				if l.interval > 0 && !next.IsZero() {
					if wait := next.Sub(t0); wait > 0 {
						select {
						case <-time.After(wait):
						case <-ctx.Done():
							return
						}
						t0 = time.Now()
					}
				}
				next = t0.Add(l.interval)
				status, err := l.do(ctx, req)
				d := time.Since(t0)
				if ctx.Err() != nil {
					return // cut short by the deadline: neither counted nor timed
				}
				h.Record(d)
				switch {
				case err != nil:
					fail(err.Error())
				case status < 200 || status > 299:
					fail(fmt.Sprintf("%s %s: status %d", req.method, req.path, status))
					if status == http.StatusTooManyRequests {
						limited.Add(1)
					} else if status >= 500 {
						server.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()
	out := sample{hist: total, errors: errs.Load(), limited: limited.Load(), server: server.Load(), elapsed: time.Since(start)}
	cpu1, err := l.readCPU()
	if cpuErr != nil || err != nil || cpu1 < cpu0 {
		out.noCPU = true
	} else {
		out.cpu = cpu1 - cpu0
	}
	if p := firstErr.Load(); p != nil {
		out.firstErr = *p
	}
	return out
}

func (l load) readCPU() (time.Duration, error) {
	if l.cpu == nil {
		return 0, errors.New("no server process to read CPU time of")
	}
	return l.cpu()
}

func (l load) do(ctx context.Context, r request) (int, error) {
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, l.baseURL+r.path, body)
	if err != nil {
		return 0, err
	}
	if r.ctype != "" {
		req.Header.Set("Content-Type", r.ctype)
	} else if r.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, err
	}
	// Read to the end so the connection is reused.
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
