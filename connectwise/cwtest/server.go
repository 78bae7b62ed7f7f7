package cwtest

import (
	"bytes"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/psabridge/psabridge/connectwise"
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
	// Listener may be replaced before Start to serve on a fixed address.
	Listener net.Listener

	ts    *httptest.Server
	opts  options
	clock func() time.Time

	mu sync.RWMutex // guards st
	st *state

	ctlMu   sync.Mutex // guards the runtime controls below
	limiter *rate.Limiter
	latency time.Duration
	faults  []*Fault

	logMu    sync.Mutex // guards the request log and counters
	ring     []Request
	ringNext int
	ringFull bool
	counts   map[countKey]int
}

type countKey struct{ method, path string }

// Option configures a Server at construction.
type Option func(*options)

type options struct {
	ratePerSecond float64
	burst         int
	latency       time.Duration
	codebase      string
	noSeed        bool
	logSize       int
	clock         func() time.Time
	noForwardOnly map[string]bool // wire_quirks.go
	rawCommas     bool
}

// WithRateLimit makes the server answer 429 with Retry-After once clients
// exceed perSecond requests per second (with the given burst), as the
// hosted PSA does. perSecond <= 0 disables the limit (the default).
func WithRateLimit(perSecond float64, burst int) Option {
	return func(o *options) { o.ratePerSecond, o.burst = perSecond, burst }
}

// WithLatency delays every response by d, without holding any lock.
func WithLatency(d time.Duration) Option { return func(o *options) { o.latency = d } }

// WithCodebase sets the codebase /login/companyinfo reports ("v2025_1/" by
// default). API paths accept any codebase segment regardless.
func WithCodebase(codebase string) Option { return func(o *options) { o.codebase = codebase } }

// WithoutSeedData starts with only the API member, its role and one board,
// instead of the realistic seed data.
func WithoutSeedData() Option { return func(o *options) { o.noSeed = true } }

// WithRequestLogSize bounds how many requests Requests remembers (10,000
// by default). CountRequests is not bounded by it.
func WithRequestLogSize(n int) Option { return func(o *options) { o.logSize = n } }

// WithClock supplies the time used for _info stamps, dates and the rate
// limiter; tests use it for deterministic output.
func WithClock(now func() time.Time) Option { return func(o *options) { o.clock = now } }

// NewServer starts a simulator on 127.0.0.1 at a random port.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer builds a simulator without starting it, so Listener
// can be replaced first.
func NewUnstartedServer(opts ...Option) *Server {
	o := options{codebase: DefaultCodebase, logSize: 10000, clock: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logSize <= 0 {
		o.logSize = 1
	}
	s := &Server{
		opts:    o,
		clock:   o.clock,
		latency: o.latency,
		ring:    make([]Request, o.logSize),
		counts:  map[countKey]int{},
		st:      newState(),
	}
	s.SetRateLimit(o.ratePerSecond, o.burst)
	seed(s.st, s.now(), !o.noSeed)
	return s
}

// Start begins serving on Listener, or on a new 127.0.0.1 listener.
func (s *Server) Start() {
	if s.ts != nil {
		panic("cwtest: Server already started")
	}
	if s.Listener == nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(fmt.Sprintf("cwtest: failed to listen: %v", err))
		}
		s.Listener = ln
	}
	s.ts = &httptest.Server{Listener: s.Listener, Config: &http.Server{Handler: s.Handler()}}
	s.ts.Start()
	s.URL = s.ts.URL
}

// Close shuts the server down and waits for in-flight requests.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Client returns an *http.Client for the started server.
func (s *Server) Client() *http.Client {
	if s.ts == nil {
		return http.DefaultClient
	}
	return s.ts.Client()
}

// Handler serves the simulated PSA; use it to run the simulator in memory
// (for example inside testing/synctest) or behind another server.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Transport returns a RoundTripper that calls Handler directly, without
// sockets, so a client can run inside a testing/synctest bubble. A
// DropAfterWrite fault surfaces as a transport error.
func (s *Server) Transport() http.RoundTripper { return memTransport{s.Handler()} }

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

func (s *Server) now() time.Time { return s.clock().UTC().Truncate(time.Second) }

// SetRateLimit changes the server-side rate limit; perSecond <= 0 turns it
// off. It may be called while requests are in flight.
func (s *Server) SetRateLimit(perSecond float64, burst int) {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	if perSecond <= 0 {
		s.limiter = nil
		return
	}
	if burst < 1 {
		burst = 1
	}
	s.limiter = rate.NewLimiter(rate.Limit(perSecond), burst)
}

// SetLatency changes the delay added to every response.
func (s *Server) SetLatency(d time.Duration) {
	s.ctlMu.Lock()
	s.latency = d
	s.ctlMu.Unlock()
}

// Fault describes a failure to inject into matching requests.
type Fault struct {
	// Method matches the request method ("" for any).
	Method string
	// PathContains matches a substring of the path, case-insensitively
	// ("" for any).
	PathContains string
	// Status answers with this status without processing the request:
	// a 5xx, or 429 for a rate-limit storm.
	Status int
	// RetryAfter is sent as the Retry-After header when set.
	RetryAfter string
	// Times limits how many requests the fault hits; 0 means until
	// ClearFaults.
	Times int
	// DropAfterWrite processes the request fully (the write happens), then
	// closes the connection without sending the response.
	DropAfterWrite bool
	// Body replaces the default response body for Status.
	Body string
	// TruncateBody processes the request fully (a create happens), then
	// sends its status and headers with the body cut off and closes the
	// connection: "201 with a truncated body".
	TruncateBody bool
}

// InjectFault adds a fault. Faults are tried in the order added.
func (s *Server) InjectFault(f Fault) {
	s.ctlMu.Lock()
	s.faults = append(s.faults, &f)
	s.ctlMu.Unlock()
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.ctlMu.Lock()
	s.faults = nil
	s.ctlMu.Unlock()
}

func (s *Server) matchFault(r *http.Request) *Fault {
	s.ctlMu.Lock()
	defer s.ctlMu.Unlock()
	path := strings.ToLower(r.URL.Path)
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.PathContains != "" && !strings.Contains(path, strings.ToLower(f.PathContains)) {
			continue
		}
		hit := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &hit
	}
	return nil
}

// Request is one entry of the request log.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	// Status is the status the server produced; for a dropped connection
	// it is the status that was never delivered.
	Status  int
	Dropped bool
	Time    time.Time
}

// Requests returns the most recent requests, oldest first.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if !s.ringFull {
		return append([]Request(nil), s.ring[:s.ringNext]...)
	}
	out := make([]Request, 0, len(s.ring))
	out = append(out, s.ring[s.ringNext:]...)
	return append(out, s.ring[:s.ringNext]...)
}

// CountRequests counts every request since the start (or the last
// ResetRequests) whose method matches (case-insensitive, "" for any) and
// whose path contains pathContains (case-insensitive). Counts are not
// limited by the request log's size; to bound memory, once 50,000
// distinct paths have been seen, further new paths are counted with their
// numeric ids replaced by "#" (so "/service/tickets/" still matches them).
func (s *Server) CountRequests(method, pathContains string) int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	sub := strings.ToLower(pathContains)
	n := 0
	for k, c := range s.counts {
		if (method == "" || strings.EqualFold(method, k.method)) && strings.Contains(k.path, sub) {
			n += c
		}
	}
	return n
}

// ResetRequests clears the request log and the counters.
func (s *Server) ResetRequests() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	clear(s.ring)
	s.ringNext, s.ringFull = 0, false
	s.counts = map[countKey]int{}
}

func (s *Server) logRequest(req Request) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.ring[s.ringNext] = req
	s.ringNext++
	if s.ringNext == len(s.ring) {
		s.ringNext, s.ringFull = 0, true
	}
	key := countKey{req.Method, strings.ToLower(req.Path)}
	if _, ok := s.counts[key]; !ok && len(s.counts) >= maxCountKeys {
		key.path = idPattern(key.path)
	}
	s.counts[key]++
}

// maxCountKeys bounds the counters' memory: past it, new paths are
// counted with their numeric segments folded to "#".
const maxCountKeys = 50000

func idPattern(path string) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if seg != "" && strings.Trim(seg, "0123456789") == "" {
			segs[i] = "#"
		}
	}
	return strings.Join(segs, "/")
}

// statusWriter records the status a handler sends.
// statusWriter records the request in the log the moment its status is
// known, before any byte reaches the client: a client that has its answer
// must find its request already counted.
type statusWriter struct {
	http.ResponseWriter
	status int
	log    func(status int)
}

func (w *statusWriter) WriteHeader(code int) {
	w.record(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.record(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) record(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if w.log != nil {
		w.log(code)
	}
}

// bufferWriter holds a whole response so it can be thrown away.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferWriter) Header() http.Header { return b.header }
func (b *bufferWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	entry := Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Time: s.clock()}
	logged := false
	logOnce := func(status int) {
		if !logged {
			logged = true
			entry.Status = status
			s.logRequest(entry)
		}
	}
	sw := &statusWriter{ResponseWriter: w, log: logOnce}
	// A request that ends without a status (client gone during latency)
	// is still counted.
	defer logOnce(0)

	if f := s.matchFault(r); f != nil {
		if f.DropAfterWrite || f.TruncateBody {
			bw := &bufferWriter{header: http.Header{}}
			s.serveAPI(bw, r)
			entry.Dropped = true
			logOnce(bw.status)
			if f.TruncateBody {
				writeTruncated(w, bw)
				return
			}
			dropConnection(w)
			return
		}
		s.writeFault(sw, f)
		return
	}

	s.ctlMu.Lock()
	lim, delay := s.limiter, s.latency
	s.ctlMu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if lim != nil {
		now := s.clock()
		res := lim.ReserveN(now, 1)
		if wait := res.DelayFrom(now); wait > 0 {
			res.CancelAt(now)
			writeTooManyRequests(sw, int(math.Ceil(wait.Seconds())))
			return
		}
	}
	s.serveAPI(sw, r)
}

// dropConnection closes the client's connection without a response, which
// is what a client sees when a proxy dies after forwarding a write.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// No connection to hijack (HTTP/2, or an in-memory transport):
		// abort the handler so the server resets the stream.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func writeTooManyRequests(w http.ResponseWriter, seconds int) {
	if seconds < 1 {
		seconds = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	body := fmt.Sprintf(`{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in %d seconds."}`, seconds)
	writeRaw(w, http.StatusTooManyRequests, body)
}

func (s *Server) writeFault(w http.ResponseWriter, f *Fault) {
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
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
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("api-current-version", APIVersion)
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// memTransport serves requests by calling the handler in-process.
type memTransport struct{ h http.Handler }

func (t memTransport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	rec := httptest.NewRecorder()
	if req.Body == nil {
		req.Body = http.NoBody
	}
	// The handler reads the server-side view of the request.
	sreq := req.Clone(req.Context())
	sreq.RequestURI = req.URL.RequestURI()
	if sreq.Host == "" {
		sreq.Host = req.URL.Host
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				resp, err = nil, fmt.Errorf("cwtest: connection closed by server after %s %s was processed (injected DropAfterWrite)", req.Method, req.URL.Path)
				return
			}
			panic(p)
		}
	}()
	t.h.ServeHTTP(rec, sreq)
	res := rec.Result()
	res.Request = req
	return res, nil
}
