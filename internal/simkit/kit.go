package simkit

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Config holds the settings every simulator accepts through its options.
// The zero value is a server without latency or rate limit, on time.Now.
type Config struct {
	// RatePerSecond and Burst set the 429 rate limit; RatePerSecond <= 0
	// turns it off.
	RatePerSecond float64
	Burst         int
	// Latency delays every response.
	Latency time.Duration
	// Clock stamps the request log and drives the rate limiter (time.Now
	// if nil).
	Clock func() time.Time
	// LogSize bounds how many requests Requests remembers (10,000 if 0).
	LogSize int
	// Observe, if set, is called once per request as soon as its status is
	// known (or with status 0 when the client left first).
	Observe func(Request)
}

// Vendor is what a simulator plugs into the kit.
type Vendor struct {
	// Name prefixes panics and transport errors ("cwtest").
	Name string
	// Route serves a request that passed every stage of the pipeline.
	Route http.Handler
	// Auth, if set, runs after faults and before the rate limit, so a
	// rejected credential costs no rate-limit token. It answers a request
	// it rejects itself and returns false; otherwise it returns the request
	// to go on with, which may carry what it learnt (the caller's identity)
	// in its context.
	Auth func(w http.ResponseWriter, r *http.Request) (*http.Request, bool)
	// Exempt, if set, reports requests that faults and the rate limit
	// never touch (an OAuth token endpoint); they are still logged.
	Exempt func(r *http.Request) bool
	// WriteFault answers an injected fault in the vendor's error format.
	// Retry-After is already set when the fault has one; a Fault.Body, if
	// any, should be sent verbatim.
	WriteFault func(w http.ResponseWriter, f Fault)
	// WriteTooManyRequests answers a request over the rate limit in the
	// vendor's format; Retry-After is already set to seconds.
	WriteTooManyRequests func(w http.ResponseWriter, seconds int)
}

// Kit is one simulator's harness. All methods are safe for concurrent use.
type Kit struct {
	vendor  Vendor
	clock   func() time.Time
	observe func(Request)
	handler http.Handler
	log     *requestLog

	ts *httptest.Server

	mu      sync.Mutex // guards the runtime controls below
	limiter *rate.Limiter
	latency time.Duration
	faults  []*Fault
}

// New builds a kit; it serves nothing until Start, but Handler and
// Transport work at once.
func New(cfg Config, v Vendor) *Kit {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.LogSize == 0 {
		cfg.LogSize = 10000
	}
	k := &Kit{
		vendor:  v,
		clock:   cfg.Clock,
		observe: cfg.Observe,
		log:     newRequestLog(cfg.LogSize, maxCountKeys),
		latency: cfg.Latency,
	}
	k.SetRateLimit(cfg.RatePerSecond, cfg.Burst)
	k.handler = http.HandlerFunc(k.serve)
	return k
}

// Start serves on ln, or on a new loopback listener when ln is nil, and
// returns the listener in use and the base URL. It panics when called
// twice, like httptest.Server.Start.
func (k *Kit) Start(ln net.Listener) (net.Listener, string) {
	if k.ts != nil {
		panic(k.vendor.Name + ": Server already started")
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
				panic(fmt.Sprintf("%s: failed to listen on a port: %v", k.vendor.Name, err))
			}
		}
	}
	k.ts = &httptest.Server{Listener: ln, Config: &http.Server{Handler: k.handler}}
	k.ts.Start()
	return ln, k.ts.URL
}

// Close shuts the server down and waits for in-flight requests; it does
// nothing on a kit that was never started.
func (k *Kit) Close() {
	if k.ts != nil {
		k.ts.Close()
	}
}

// Handler is the whole pipeline as an http.Handler.
func (k *Kit) Handler() http.Handler { return k.handler }

// Transport calls Handler in memory; see the transport type.
func (k *Kit) Transport() http.RoundTripper { return transport{k.handler, k.vendor.Name} }

// Client returns an *http.Client for the server: over its socket once
// started, in memory through Transport before that.
func (k *Kit) Client() *http.Client {
	if k.ts == nil {
		return &http.Client{Transport: k.Transport()}
	}
	return k.ts.Client()
}

// Now reads the kit's clock.
func (k *Kit) Now() time.Time { return k.clock() }

// SetRateLimit changes the rate limit; perSecond <= 0 turns it off, a
// burst below 1 counts as 1. It may be called while requests are served.
func (k *Kit) SetRateLimit(perSecond float64, burst int) {
	var l *rate.Limiter
	if perSecond > 0 {
		l = rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
	}
	k.mu.Lock()
	k.limiter = l
	k.mu.Unlock()
}

// SetLatency changes the delay added to every response.
func (k *Kit) SetLatency(d time.Duration) {
	k.mu.Lock()
	k.latency = d
	k.mu.Unlock()
}

// Requests returns the most recent requests, oldest first.
func (k *Kit) Requests() []Request { return k.log.requests() }

// CountRequests counts every request since the start or the last
// ResetRequests whose method matches (case-insensitive, "" for any) and
// whose path contains pathContains (case-insensitive, "" for any).
func (k *Kit) CountRequests(method, pathContains string) int {
	return k.log.count(method, pathContains)
}

// Throttled returns how many 429 answers the kit sent (rate limit and
// injected 429 faults) since the start or the last ResetRequests.
func (k *Kit) Throttled() int { return k.log.throttledCount() }

// ResetRequests clears the request log, the counters and Throttled.
func (k *Kit) ResetRequests() { k.log.reset() }
