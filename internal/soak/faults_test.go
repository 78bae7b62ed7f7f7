package soak_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// Fault kinds, as counted in the summary.
const (
	fault429RetryAfter = "psa-429-retry-after"
	fault429Bare       = "psa-429-no-retry-after"
	faultDropPost      = "psa-drop-after-write-POST"
	faultDropPatch     = "psa-drop-after-write-PATCH"
	faultLatency       = "psa-latency+timeout"
	faultRateLimit     = "psa-rate-limit"
	faultCrash         = "crash-mid-sync"
	faultParallel      = "parallel-syncs-one-process"
	faultParallelTwin  = "parallel-syncs-two-processes"
	faultNoDelete      = "run-without-delete-right"
)

func fault5xx(code int) string       { return fmt.Sprintf("psa-%d", code) }
func faultHeimdal(status int) string { return fmt.Sprintf("heimdal-%d", status) }

// wire is the HTTP transport under one PSA client (main or twin). A step
// uses it to cut attempts short while the simulator is slow (a timeout the
// step can switch on and off, which connectwise.WithTimeout, fixed at
// construction, cannot) and to "crash" the process at a chosen request;
// a twin also uses it to reach the simulator under another host name.
type wire struct {
	rt *http.Transport

	mu      sync.Mutex
	timeout time.Duration
	crash   crash
	// trace is what each request returned, as the client saw it; a
	// failing run logs it.
	trace []traced
	// abandoned counts writes sent in full whose answer the client did
	// not wait for (its context ended): the server may apply them after
	// the next sync has looked, as a second process would.
	abandoned int
}

type traced struct {
	at, done time.Time
	text     string
}

// crash cancels a sync's context at the atRequest-th PSA request (before
// sending it, or after its answer arrived) or after the atWrite-th ticket
// write a progress callback reports: a process dying at that point.
type crash struct {
	cancel           context.CancelFunc
	atRequest        int
	atWrite          int
	before           bool
	requests, writes int
	fired            bool
	firedAt          string
}

// newWire returns a transport; dial, when set, is the address every
// connection goes to whatever the URL's host (loopback only).
func newWire(dial string) *wire {
	tr := &http.Transport{MaxIdleConnsPerHost: 32, IdleConnTimeout: 5 * time.Second}
	if dial != "" {
		d := &net.Dialer{Timeout: 2 * time.Second}
		tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, dial)
		}
	}
	return &wire{rt: tr}
}

func (w *wire) abandonedWrites() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.abandoned
}

func (w *wire) setTimeout(d time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timeout = d
}

// arm prepares a crash for the next sync; disarm reports whether it fired.
func (w *wire) arm(c crash) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.crash = c
}

func (w *wire) disarm() crash {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.crash
	w.crash = crash{}
	return c
}

// wrote is the progress hook: one ticket write done.
func (w *wire) wrote() {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := &w.crash
	if c.cancel == nil || c.fired || c.atWrite == 0 {
		return
	}
	c.writes++
	if c.writes == c.atWrite {
		c.fired, c.firedAt = true, fmt.Sprintf("after ticket write %d", c.writes)
		c.cancel()
	}
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	w.mu.Lock()
	timeout := w.timeout
	var after context.CancelFunc
	if c := &w.crash; c.cancel != nil && !c.fired && c.atRequest > 0 {
		c.requests++
		if c.requests == c.atRequest {
			c.fired = true
			c.firedAt = fmt.Sprintf("%s request %d (%s %s)", map[bool]string{true: "before", false: "after"}[c.before], c.requests, req.Method, req.URL.Path)
			if c.before {
				c.cancel()
			} else {
				after = c.cancel
			}
		}
	}
	w.mu.Unlock()

	stop := context.CancelFunc(func() {})
	if timeout > 0 {
		var ctx context.Context
		ctx, stop = context.WithTimeout(req.Context(), timeout)
		req = req.WithContext(ctx)
	}
	var sent atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				sent.Store(true)
			}
		},
	}))
	start := time.Now()
	resp, err := w.rt.RoundTrip(req)
	outcome := ""
	if err != nil {
		outcome = err.Error()
	} else {
		outcome = resp.Status
	}
	w.mu.Lock()
	w.trace = append(w.trace, traced{start, time.Now(), fmt.Sprintf("%s %s?%s → %s", req.Method, req.URL.Path, req.URL.RawQuery, outcome)})
	if err != nil && sent.Load() && req.Context().Err() != nil && req.Method != http.MethodGet {
		w.abandoned++
	}
	w.mu.Unlock()
	if after != nil {
		// The answer arrived but the process dies before using it.
		after()
	}
	if err != nil {
		stop()
		return nil, err
	}
	// The deadline must keep covering the body, read after RoundTrip.
	resp.Body = &stopOnClose{ReadCloser: resp.Body, stop: stop}
	return resp, nil
}

type stopOnClose struct {
	io.ReadCloser
	stop context.CancelFunc
}

func (b *stopOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.stop()
	return err
}

// psaOptions are the PSA client options of a soak run: no client-side
// rate limit, fast retries and capped Retry-After waits so that storms
// cost milliseconds, and a generous per-attempt timeout that only guards
// against a hang (the step's own short timeout lives in the wire).
func psaOptions(w *wire, retries int) []connectwise.Option {
	return []connectwise.Option{
		connectwise.WithRateLimit(0, 1),
		connectwise.WithRetry(retries, time.Millisecond, 4*time.Millisecond),
		connectwise.WithMaxRetryAfter(5 * time.Millisecond),
		connectwise.WithTimeout(10 * time.Second),
		connectwise.WithHTTPClient(&http.Client{Transport: w}),
	}
}

// stepFaults is what one step injects before its syncs.
type stepFaults struct {
	psa      []cwtest.Fault
	psaKinds []string
	heimdal  []int // one status per injected Heimdal failure
	latency  time.Duration
	timeout  time.Duration
	rate     float64
	burst    int
}

func (f *stepFaults) String() string {
	var parts []string
	for i, x := range f.psa {
		tgt := strings.TrimSpace(x.Method + " " + x.PathContains)
		if tgt == "" {
			tgt = "any"
		}
		parts = append(parts, fmt.Sprintf("%s×%d on %s", f.psaKinds[i], x.Times, tgt))
	}
	if f.latency > 0 {
		parts = append(parts, fmt.Sprintf("latency %v with %v attempts", f.latency, f.timeout))
	}
	if f.rate > 0 {
		parts = append(parts, fmt.Sprintf("rate limit %.0f/s burst %d", f.rate, f.burst))
	}
	if len(f.heimdal) > 0 {
		parts = append(parts, fmt.Sprintf("heimdal %v", f.heimdal))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// psaTargets are the requests a status fault may aim at; "" is any.
var psaTargets = []struct{ method, path string }{
	{"", ""},
	{"", "/service/tickets"},
	{"GET", "/service/tickets"},
	{"POST", "/service/tickets"},
	{"PATCH", "/service/tickets"},
	{"", "/company/companies"},
	{"POST", "/notes"},
	{"GET", "/statuses"},
}

// drawFaults picks a step's faults. Every draw happens whatever the
// outcome of earlier steps, so a seed always injects the same faults.
func drawFaults(r *rand.Rand, heimdal bool) stepFaults {
	var f stepFaults
	if r.IntN(100) < 12 {
		return f // a quiet step: recovery without new trouble
	}
	add := func(kind string, x cwtest.Fault) {
		f.psa = append(f.psa, x)
		f.psaKinds = append(f.psaKinds, kind)
	}
	target := func() (string, string) {
		t := psaTargets[r.IntN(len(psaTargets))]
		return t.method, t.path
	}
	if r.IntN(100) < 30 {
		m, p := target()
		add(fault429RetryAfter, cwtest.Fault{Method: m, PathContains: p, Status: 429, RetryAfter: []string{"0", "1", "3"}[r.IntN(3)], Times: 1 + r.IntN(10)})
	}
	if r.IntN(100) < 30 {
		m, p := target()
		add(fault429Bare, cwtest.Fault{Method: m, PathContains: p, Status: 429, Times: 1 + r.IntN(10)})
	}
	for range 1 + r.IntN(2) {
		if r.IntN(100) < 40 {
			m, p := target()
			code := []int{500, 502, 503, 504}[r.IntN(4)]
			x := cwtest.Fault{Method: m, PathContains: p, Status: code, Times: 1 + r.IntN(5)}
			if code == 503 && r.IntN(2) == 0 {
				x.RetryAfter = "1"
			}
			add(fault5xx(code), x)
		}
	}
	if r.IntN(100) < 30 {
		add(faultDropPost, cwtest.Fault{Method: "POST", PathContains: "/service/tickets", DropAfterWrite: true, Times: 1 + r.IntN(3)})
	}
	if r.IntN(100) < 25 {
		add(faultDropPatch, cwtest.Fault{Method: "PATCH", PathContains: "/service/tickets", DropAfterWrite: true, Times: 1 + r.IntN(3)})
	}
	if r.IntN(100) < 12 {
		// Around the timeout: some attempts make it, some are cut off.
		f.latency = time.Duration(1+r.IntN(5)) * time.Millisecond
		f.timeout = time.Duration(2+r.IntN(7)) * time.Millisecond
	}
	if r.IntN(100) < 10 {
		f.rate, f.burst = float64(100+r.IntN(300)), 2+r.IntN(8)
	}
	if heimdal && r.IntN(100) < 25 {
		for range 1 + r.IntN(3) {
			f.heimdal = append(f.heimdal, []int{429, 500, 502, 503, 504}[r.IntN(5)])
		}
	}
	return f
}

// Sync modes of a step.
const (
	modeNormal = iota
	modeCrash
	modeParallel
)

// stepMode is how a step syncs.
type stepMode struct {
	kind int
	// crash: which process crashes and where, and which one restarts.
	crash          crash
	crashWho       int
	restartWho     int
	byProgressHook bool
	// parallel: the second sync's process (0: the same one).
	secondWho int
}

func drawMode(r *rand.Rand, twin, progressHook bool) stepMode {
	var m stepMode
	who := func() int {
		if twin && r.IntN(2) == 0 {
			return 1
		}
		return 0
	}
	switch n := r.IntN(100); {
	case n < 50:
		m.kind = modeNormal
	case n < 78:
		m.kind = modeCrash
		m.crashWho, m.restartWho = who(), who()
		if progressHook && r.IntN(2) == 0 {
			m.byProgressHook = true
			m.crash.atWrite = 1 + r.IntN(6)
		} else {
			// Most syncs make a dozen or two PSA requests.
			m.crash.atRequest = 1 + r.IntN(16)
			m.crash.before = r.IntN(2) == 0
		}
	default:
		m.kind = modeParallel
		m.secondWho = who()
	}
	return m
}
