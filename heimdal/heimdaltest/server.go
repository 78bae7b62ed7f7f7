package heimdaltest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/psabridge/psabridge/heimdal"
)

// DefaultAPIKey is the key a Server accepts unless WithAPIKey says otherwise.
const DefaultAPIKey = "heimdaltest-api-key-0123456789abcdef"

// APIPrefix is the path under which the API is served, as on the real host
// (https://dashboard.heimdalsecurity.com/api/heimdalapi).
const APIPrefix = "/api/heimdalapi"

// Memory bounds: Raise and AddDevice fail beyond them.
const (
	MaxAlerts  = 100_000
	MaxDevices = 100_000
)

// DefaultPageSize is the page size served when a request gives none.
const DefaultPageSize = 50

// MaxPageSize is the largest page served; larger requests are clamped.
const MaxPageSize = 1000

// Option configures a Server.
type Option func(*config)

type config struct {
	apiKey  string
	rate    float64
	burst   int
	latency time.Duration
	clock   func() time.Time
	alerts  *alertPaths // nil: the client's default paths (alertpaths.go)
}

// WithAPIKey sets the key the server accepts.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithRateLimit makes the server answer 429 with a Retry-After (whole
// seconds, at least 1) once requests exceed perSecond with the given burst,
// as Heimdal does when called too fast.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) { c.rate, c.burst = perSecond, max(burst, 1) }
}

// WithLatency delays every response by d (or until the request is cancelled).
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithClock sets the clock used for seeded and raised timestamps, for
// deterministic output. Rate limiting and latency use real (or synctest)
// time regardless.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// Server is a simulated Heimdal API. Create it with NewServer, or with
// NewUnstartedServer to set Listener first or to use Handler without a
// socket.
type Server struct {
	// URL is the server root ("http://127.0.0.1:port"), set by Start.
	URL string
	// Listener is used by Start; if nil, Start listens on a loopback port.
	Listener net.Listener

	cfg     config
	ts      *httptest.Server
	handler http.Handler
	limiter *rate.Limiter

	mu         sync.Mutex
	customers  []*customer
	devices    map[string][]*device // by customer id
	users      map[string][]*user   // by customer id
	alerts     map[string]*alert    // by key
	nDevices   int
	nextDevice int64
	nextUser   int64
	nextAlert  int64
	injected   []injection
	counts     map[string]int
}

type customer struct {
	id, name, typ, reseller, email string
	created                        time.Time
}

type device struct {
	clientInfoID     int64
	hostname, ip, os string
	lastSeen         time.Time
}

type user struct {
	id, upn string
}

type alert struct {
	key                   string
	id                    int64
	customerID            string
	module                heimdal.Module
	targetID, target      string
	severity, title, desc string
	firstSeen, lastUpdate time.Time
}

type injection struct {
	status, remaining int
}

// NewServer starts a seeded server on a loopback port. Close it when done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a seeded server that is not listening yet: set
// Listener and call Start, or use Handler directly.
func NewUnstartedServer(opts ...Option) *Server {
	cfg := config{apiKey: DefaultAPIKey, clock: time.Now}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := &Server{
		cfg:        cfg,
		devices:    map[string][]*device{},
		users:      map[string][]*user{},
		alerts:     map[string]*alert{},
		counts:     map[string]int{},
		nextDevice: 300000,
		nextUser:   1,
		nextAlert:  700000,
	}
	if cfg.rate > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(cfg.rate), cfg.burst)
	}
	s.handler = http.HandlerFunc(s.serve)
	s.seed()
	return s
}

// Start begins serving on Listener (a new loopback listener if nil).
func (s *Server) Start() {
	if s.ts != nil {
		panic("heimdaltest: Server already started")
	}
	if s.Listener == nil {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			if l, err = net.Listen("tcp6", "[::1]:0"); err != nil {
				panic(fmt.Sprintf("heimdaltest: failed to listen on a port: %v", err))
			}
		}
		s.Listener = l
	}
	s.ts = &httptest.Server{Listener: s.Listener, Config: &http.Server{Handler: s.handler}}
	s.ts.Start()
	s.URL = s.ts.URL
}

// Close shuts the server down and waits for outstanding requests.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Handler returns the server's HTTP handler, which serves the API under
// APIPrefix. It works without Start, for in-memory transports.
func (s *Server) Handler() http.Handler { return s.handler }

// APIKey returns the key the server accepts.
func (s *Server) APIKey() string { return s.cfg.apiKey }

// BaseURL returns the API root to give the client: URL + APIPrefix.
func (s *Server) BaseURL() string {
	if s.URL == "" {
		panic("heimdaltest: BaseURL called before Start")
	}
	return s.URL + APIPrefix
}

// ResellerID returns the reseller's customer id (the key's own customer).
func (s *Server) ResellerID() string { return ResellerID }

// ClientOptions returns the options that point a heimdal.Client at this
// server: its base URL, its rate limit (none unless WithRateLimit was given)
// and short retry backoff so injected failures do not slow tests down.
//
// On a server that was never started, the options route requests in memory
// through Handler instead (keeping heimdal.DefaultBaseURL), which is what
// tests inside testing/synctest need: real sockets are not durably blocking
// there.
func (s *Server) ClientOptions() []heimdal.Option {
	opts := []heimdal.Option{
		heimdal.WithRetry(5, time.Millisecond, 20*time.Millisecond),
		// InjectStatus answers with Retry-After: 1; a test should not wait a
		// real second per retry for it.
		heimdal.WithMaxRetryAfter(20 * time.Millisecond),
	}
	if s.URL != "" {
		opts = append(opts, heimdal.WithBaseURL(s.BaseURL()))
	} else {
		opts = append(opts, heimdal.WithHTTPClient(&http.Client{Transport: s.Transport()}))
	}
	if s.cfg.rate > 0 {
		opts = append(opts, heimdal.WithRateLimit(s.cfg.rate, s.cfg.burst))
	} else {
		opts = append(opts, heimdal.WithRateLimit(0, 1))
	}
	return opts
}

// Transport returns an http.RoundTripper that serves every request in memory
// through Handler, whatever its host, without a socket.
func (s *Server) Transport() http.RoundTripper { return handlerTransport{s.handler} }

type handlerTransport struct{ h http.Handler }

// RoundTrip serves r with the handler and returns the recorded response.
func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if err := r.Context().Err(); err != nil {
		// The handler gave up (latency wait) without answering.
		return nil, err
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}

func (s *Server) now() time.Time { return s.cfg.clock().UTC() }

// Customer is a seeded customer as the simulator holds it.
type Customer struct {
	// ID is the customerId.
	ID string
	// Name is the company name.
	Name string
	// Type is "RESELLER" or "CORP".
	Type string
	// ResellerID is the owning reseller's id, empty for the reseller.
	ResellerID string
}

// Customers returns the seeded customers, reseller first.
func (s *Server) Customers() []Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Customer, 0, len(s.customers))
	for _, c := range s.customers {
		out = append(out, Customer{ID: c.id, Name: c.name, Type: c.typ, ResellerID: c.reseller})
	}
	return out
}

func (s *Server) customerLocked(id string) *customer {
	for _, c := range s.customers {
		if c.id == id {
			return c
		}
	}
	return nil
}

// AddDevice adds an active client to a customer and returns its
// clientInfoId. It fails for an unknown customer or beyond MaxDevices.
func (s *Server) AddDevice(customerID, hostname string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.customerLocked(customerID) == nil {
		return "", fmt.Errorf("heimdaltest: unknown customer %q", customerID)
	}
	d, err := s.addDeviceLocked(customerID, hostname)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(d.clientInfoID, 10), nil
}

func (s *Server) addDeviceLocked(customerID, hostname string) (*device, error) {
	if s.nDevices >= MaxDevices {
		return nil, errors.New("heimdaltest: device limit reached")
	}
	s.nextDevice++
	s.nDevices++
	n := s.nextDevice
	d := &device{
		clientInfoID: n,
		hostname:     hostname,
		ip:           fmt.Sprintf("10.%d.%d.%d", n/65536%256, n/256%256, n%256),
		os:           "Windows 11 Pro",
		lastSeen:     s.now(),
	}
	if strings.Contains(hostname, "DC") || strings.Contains(hostname, "SRV") {
		d.os = "Windows Server 2022 Standard"
	}
	s.devices[customerID] = append(s.devices[customerID], d)
	return d, nil
}

func (s *Server) addUserLocked(customerID, upn string) *user {
	u := &user{id: fmt.Sprintf("00000000-0000-4000-8000-%012d", s.nextUser), upn: upn}
	s.nextUser++
	s.users[customerID] = append(s.users[customerID], u)
	return u
}

// Event describes an alert to raise.
type Event struct {
	// CustomerID is the customer the alert belongs to.
	CustomerID string
	// Module fixes the section (and so the endpoint) that shows the alert.
	Module heimdal.Module
	// Target is a device hostname (Operations and Cyber Alerts modules) or
	// an M365 user principal name (M365 modules). An unknown target is
	// created on the customer.
	Target string
	// Title and Description are the alert's text.
	Title, Description string
	// Severity defaults to "Warning" (Operations), "High" (Cyber Alerts)
	// or "Medium" (M365).
	Severity string
}

// RaiseEvent creates an alert and returns its key, the same key
// heimdal.Alert.Key has when the client fetches it.
func (s *Server) RaiseEvent(e Event) (string, error) {
	b := e.Module.Board()
	if !b.Valid() {
		return "", fmt.Errorf("heimdaltest: unknown module %q", e.Module)
	}
	if e.Target == "" {
		return "", errors.New("heimdaltest: Event.Target is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.customerLocked(e.CustomerID); c == nil || c.typ != "CORP" {
		return "", fmt.Errorf("heimdaltest: unknown customer %q", e.CustomerID)
	}
	if len(s.alerts) >= MaxAlerts {
		return "", errors.New("heimdaltest: alert limit reached; Clear some first")
	}
	var targetID string
	if b == heimdal.BoardM365 {
		u := s.findUserLocked(e.CustomerID, e.Target)
		if u == nil {
			u = s.addUserLocked(e.CustomerID, e.Target)
		}
		targetID = u.id
	} else {
		d := s.findDeviceLocked(e.CustomerID, e.Target)
		if d == nil {
			var err error
			if d, err = s.addDeviceLocked(e.CustomerID, e.Target); err != nil {
				return "", err
			}
		}
		targetID, e.Target = strconv.FormatInt(d.clientInfoID, 10), d.hostname
	}
	if e.Severity == "" {
		e.Severity = map[heimdal.Board]string{heimdal.BoardOperations: "Warning", heimdal.BoardCyberAlerts: "High", heimdal.BoardM365: "Medium"}[b]
	}
	s.nextAlert++
	now := s.now()
	a := &alert{
		id:         s.nextAlert,
		customerID: e.CustomerID,
		module:     e.Module,
		targetID:   targetID,
		target:     e.Target,
		severity:   e.Severity,
		title:      e.Title,
		desc:       e.Description,
		firstSeen:  now,
		lastUpdate: now,
	}
	a.key = heimdal.NewKey(a.customerID, a.module, a.targetID, strconv.FormatInt(a.id, 10))
	s.alerts[a.key] = a
	return a.key, nil
}

// Raise creates an alert and returns its key; see RaiseEvent. It panics on
// an unknown customer or module, which is a mistake in the test itself.
func (s *Server) Raise(customerID string, module heimdal.Module, target, title, description string) string {
	key, err := s.RaiseEvent(Event{CustomerID: customerID, Module: module, Target: target, Title: title, Description: description})
	if err != nil {
		panic(err)
	}
	return key
}

func (s *Server) findDeviceLocked(customerID, target string) *device {
	for _, d := range s.devices[customerID] {
		if strings.EqualFold(d.hostname, target) || strconv.FormatInt(d.clientInfoID, 10) == target {
			return d
		}
	}
	return nil
}

func (s *Server) findUserLocked(customerID, target string) *user {
	for _, u := range s.users[customerID] {
		if strings.EqualFold(u.upn, target) || u.id == target {
			return u
		}
	}
	return nil
}

// Update changes an alert's title and description, keeping its identity
// (and so its key), and stamps its last update. It reports whether the
// alert exists.
func (s *Server) Update(key, title, description string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.alerts[key]
	if !ok {
		return false
	}
	a.title, a.desc, a.lastUpdate = title, description, s.now()
	return true
}

// SetSeverity changes an alert's severity; it reports whether the alert
// exists.
func (s *Server) SetSeverity(key, severity string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.alerts[key]
	if !ok {
		return false
	}
	a.severity, a.lastUpdate = severity, s.now()
	return true
}

// Clear makes an alert disappear, as when its condition is resolved. It
// reports whether the alert existed.
func (s *Server) Clear(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.alerts[key]
	delete(s.alerts, key)
	return ok
}

// ClearAll removes every alert.
func (s *Server) ClearAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.alerts)
}

// Keys returns the keys of all current alerts, sorted.
func (s *Server) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.alerts))
	for k := range s.alerts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// InjectStatus makes the next times requests (after counting and latency,
// before authentication) fail with status and a {"Message": ...} body; a
// 429 or 503 carries "Retry-After: 1". Injections queue in call order.
func (s *Server) InjectStatus(status, times int) {
	if times <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.injected = append(s.injected, injection{status: status, remaining: times})
}

// maxCountKeys bounds the request counter; further distinct paths share one
// entry.
const maxCountKeys = 1024

// CountRequests returns how many requests (of any outcome) arrived whose URL
// path contains pathContains; "" counts them all.
func (s *Server) CountRequests(pathContains string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, c := range s.counts {
		if strings.Contains(p, pathContains) {
			n += c
		}
	}
	return n
}

// ResetCounts sets every request count back to zero.
func (s *Server) ResetCounts() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.counts)
}
