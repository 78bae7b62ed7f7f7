package cwtest

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/apitest"
	"github.com/psabridge/psabridge/internal/simkit"
)

// Fake credentials of the seeded API member. They are recognisably not
// secrets so they can appear in test logs without alarm.
const (
	companyID  = "cwtest"
	publicKey  = "cwtestPublicKey01"
	privateKey = "cwtest-private-key-not-a-secret"
	clientID   = "c0dec0de-0000-4000-8000-00000000c7e5"
)

// DefaultCodebase is what /login/companyinfo reports unless WithCodebase
// says otherwise.
const DefaultCodebase = "v2025_1/"

// APIVersion is sent in the api-current-version header of every response.
const APIVersion = "2025.8"

// Server is an in-memory ConnectWise PSA speaking the REST API v3.0 over
// real HTTP. Create it with NewServer (started) or NewUnstartedServer.
// All methods are safe for concurrent use.
type Server struct {
	// URL is the base URL ("http://127.0.0.1:port") once started.
	URL string
	// Listener may be set before Start to serve on a fixed address; Start
	// listens on a loopback port when it is nil.
	Listener net.Listener

	kit  *simkit.Kit
	opts options

	mu sync.RWMutex // guards st
	st *state

	cb callbackHub // callback deliveries (callbacks.go)

	wire wireState // a moved codebase (wire.go)
}

// Option configures a Server at construction.
type Option func(*options)

type options struct {
	sim           simkit.Config
	noSeedData    bool
	codebase      string
	grants        []Grant
	noForwardOnly map[string]bool // wire_quirks.go
	rawCommas     bool
	wire          wireOptions // wire.go
}

// WithRateLimit makes the server answer 429 with Retry-After once clients
// exceed perSecond requests per second (with the given burst), as the
// hosted PSA does. perSecond <= 0 disables the limit (the default).
func WithRateLimit(perSecond float64, burst int) Option {
	return func(o *options) { o.sim.RatePerSecond, o.sim.Burst = perSecond, burst }
}

// WithLatency delays every response by d, without holding any lock.
func WithLatency(d time.Duration) Option { return func(o *options) { o.sim.Latency = d } }

// WithCodebase sets the codebase /login/companyinfo reports ("v2025_1/" by
// default). API paths accept any codebase segment regardless.
func WithCodebase(codebase string) Option { return func(o *options) { o.codebase = codebase } }

// WithoutSeedData starts with only the API member, its role and one board,
// instead of the realistic seed data.
func WithoutSeedData() Option { return func(o *options) { o.noSeedData = true } }

// WithRequestLogSize bounds how many requests Requests remembers (10,000
// by default). CountRequests is not bounded by it.
func WithRequestLogSize(n int) Option { return func(o *options) { o.sim.LogSize = max(n, 1) } }

// WithClock supplies the time used for _info stamps, dates, the request
// log and the rate limiter; tests use it for deterministic output.
func WithClock(now func() time.Time) Option { return func(o *options) { o.sim.Clock = now } }

// WithObserver calls f once per request, as soon as its status is known
// (status 0 when the client left first). f runs on the serving goroutine
// and must not block. A Request carries no header or body, so printing
// it never prints a credential.
func WithObserver(f func(Request)) Option {
	return func(o *options) { o.sim.Observe = f }
}

// NewServer starts a simulator on 127.0.0.1 at a random port.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer builds a simulator without starting it, so Listener
// can be set first, or Handler and Transport used without a socket.
func NewUnstartedServer(opts ...Option) *Server {
	o := options{codebase: DefaultCodebase, sim: simkit.Config{Clock: time.Now}, grants: DefaultGrants()}
	WithoutForwardOnly(DefaultNoForwardOnly...)(&o) // wire.go
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	s := &Server{opts: o, st: newState()}
	s.kit = simkit.New(o.sim, simkit.Vendor{
		Name:                 "cwtest",
		Route:                http.HandlerFunc(s.serveAPI),
		Auth:                 s.authenticateRequest,
		WriteFault:           writeFault,
		WriteTooManyRequests: writeTooManyRequests,
	})
	seed(s.st, s.now(), o.grants, !o.noSeedData)
	seedSpec(s.st, s.now(), !o.noSeedData) // spec_seed.go
	return s
}

// Start begins serving on Listener, or on a new 127.0.0.1 listener.
func (s *Server) Start() { s.Listener, s.URL = s.kit.Start(s.Listener) }

// Close shuts the server down and waits for in-flight requests.
func (s *Server) Close() {
	s.cb.close()
	s.kit.Close()
}

// Client returns an *http.Client for the server: over its socket once
// started, in memory (through Transport) before that.
func (s *Server) Client() *http.Client { return s.kit.Client() }

// Handler serves the simulated PSA; use it to run the simulator in memory
// (for example inside testing/synctest) or behind another server.
func (s *Server) Handler() http.Handler { return s.kit.Handler() }

// Transport returns a RoundTripper that calls Handler directly, without
// sockets, so a client can run inside a testing/synctest bubble. A
// DropAfterWrite fault surfaces as a transport error.
func (s *Server) Transport() http.RoundTripper { return s.kit.Transport() }

// Config returns a client configuration for the seeded API member. Codebase
// is left empty so clients exercise discovery through /login/companyinfo.
func (s *Server) Config() connectwise.Config {
	return connectwise.Config{
		Site:       s.URL,
		CompanyID:  companyID,
		PublicKey:  publicKey,
		PrivateKey: privateKey,
		ClientID:   clientID,
	}
}

func (s *Server) now() time.Time { return s.kit.Now().UTC().Truncate(time.Second) }

// SetRateLimit changes the server-side rate limit; perSecond <= 0 turns it
// off. It may be called while requests are in flight.
func (s *Server) SetRateLimit(perSecond float64, burst int) { s.kit.SetRateLimit(perSecond, burst) }

// SetLatency changes the delay added to every response.
func (s *Server) SetLatency(d time.Duration) { s.kit.SetLatency(d) }

// Fault describes a failure to inject into matching requests: a 5xx, a 429
// storm, or a write that succeeds but never answers (DropAfterWrite).
type Fault = apitest.Fault

// InjectFault adds a fault. Faults are tried in the order added.
func (s *Server) InjectFault(f Fault) { s.kit.InjectFault(f) }

// InjectStatus makes the next times requests fail with status and the
// PSA's error body; a 429 or 503 carries "Retry-After: 1". It is
// InjectFault(Fault{Status: status, Times: times, ...}); times <= 0 does
// nothing.
func (s *Server) InjectStatus(status, times int) { s.kit.InjectStatus(status, times, "1") }

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() { s.kit.ClearFaults() }

// Request is one entry of the request log. It holds no header or body.
type Request = apitest.Request

// Requests returns the most recent requests, oldest first.
func (s *Server) Requests() []Request { return s.kit.Requests() }

// CountRequests counts every request since the start (or the last
// ResetRequests) whose method matches (case-insensitive, "" for any) and
// whose path contains pathContains (case-insensitive). Counts are not
// limited by the request log's size; to bound memory, once 50,000
// distinct paths have been seen, further new paths are counted with their
// numeric ids replaced by "#" (so "/service/tickets/" still matches them).
func (s *Server) CountRequests(method, pathContains string) int {
	return s.kit.CountRequests(method, pathContains)
}

// Throttled returns how many 429 answers the server sent (rate limit and
// injected 429 faults) since the start or the last ResetRequests.
func (s *Server) Throttled() int { return s.kit.Throttled() }

// ResetRequests clears the request log and the counters.
func (s *Server) ResetRequests() { s.kit.ResetRequests() }

func writeTooManyRequests(w http.ResponseWriter, seconds int) {
	body := fmt.Sprintf(`{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in %d seconds."}`, seconds)
	writeRaw(w, http.StatusTooManyRequests, body)
}

func writeFault(w http.ResponseWriter, f simkit.Fault) {
	body := f.Body
	if body == "" {
		switch {
		case f.Status == http.StatusTooManyRequests:
			secs := 30
			if n, err := strconv.Atoi(f.RetryAfter); err == nil && n > 0 {
				secs = n
			}
			body = fmt.Sprintf(`{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in %d seconds."}`, secs)
		default:
			body = fmt.Sprintf(`{"code":"ConnectWiseApi","message":"%s","errors":null}`, http.StatusText(f.Status))
		}
	}
	writeRaw(w, f.Status, body)
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	writeBytes(w, status, []byte(body))
}
