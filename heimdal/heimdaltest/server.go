package heimdaltest

//go:generate go run ../../internal/clientgen heimdaltest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/internal/simkit"
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

type options struct {
	sim        simkit.Config
	noSeedData bool
	apiKey     string
	alerts     *alertPaths // nil: the client's default paths (alertpaths.go)
}

// WithAPIKey sets the key the server accepts.
func WithAPIKey(key string) Option { return func(o *options) { o.apiKey = key } }

// Server is a simulated Heimdal API. Create it with NewServer, or with
// NewUnstartedServer to set Listener first or to use Handler without a
// socket.
type Server struct {
	// URL is the server root ("http://127.0.0.1:port"), set by Start.
	URL string
	// Listener is used by Start; if nil, Start listens on a loopback port.
	Listener net.Listener

	opts options
	kit  *simkit.Kit

	mu         sync.Mutex
	customers  []*customer
	devices    map[string][]*device // by customer id
	users      map[string][]*user   // by customer id
	alerts     map[string]*alert    // by key
	nDevices   int
	nextDevice int64
	nextUser   int64
	nextAlert  int64
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

// NewUnstartedServer returns a seeded server that is not listening yet: set
// Listener and call Start, or use Handler directly.
func NewUnstartedServer(opts ...Option) *Server {
	o := options{apiKey: DefaultAPIKey, sim: simkit.Config{Clock: time.Now}}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	s := &Server{
		opts:       o,
		devices:    map[string][]*device{},
		users:      map[string][]*user{},
		alerts:     map[string]*alert{},
		nextDevice: 300000,
		nextUser:   1,
		nextAlert:  700000,
	}
	s.kit = simkit.New(o.sim, simkit.Vendor{
		Name:  "heimdaltest",
		Route: http.HandlerFunc(s.route),
		Auth:  s.authorize,
		WriteFault: simkit.BodyOr(jsonType, func(w http.ResponseWriter, status int) {
			apiError(w, status, "Injected failure: "+http.StatusText(status))
		}),
		WriteTooManyRequests: func(w http.ResponseWriter, _ int) {
			apiError(w, http.StatusTooManyRequests, "Too many requests. Please try again later.")
		},
	})
	s.seed(!o.noSeedData)
	return s
}

// APIKey returns the key the server accepts.
func (s *Server) APIKey() string { return s.opts.apiKey }

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
	if s.opts.sim.RatePerSecond > 0 {
		opts = append(opts, heimdal.WithRateLimit(s.opts.sim.RatePerSecond, s.opts.sim.Burst))
	} else {
		opts = append(opts, heimdal.WithRateLimit(0, 1))
	}
	return opts
}

func (s *Server) now() time.Time { return s.kit.Now().UTC() }

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

// RaiseEvent creates an alert and returns its key: the simulator's handle
// for Update and Clear, "<customer>/<module>/<target id>/<alert id>" with
// each part path-escaped. That is the shape psasync.NewKey gives the alert
// once fetched (psasync's tests hold the two together), so a test can find
// the alert's ticket by it.
func (s *Server) RaiseEvent(e Event) (string, error) {
	b := e.Module.Section()
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
	if b == heimdal.SectionM365 {
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
		e.Severity = map[heimdal.Section]string{heimdal.SectionDevices: "Warning", heimdal.SectionCyberAlerts: "High", heimdal.SectionM365: "Medium"}[b]
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
	a.key = alertKey(a.customerID, a.module, a.targetID, strconv.FormatInt(a.id, 10))
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

// alertKey is an alert's identity: customer, module, target and Heimdal's
// own id, each path-escaped, joined by "/". It is how the heimdal client
// keys the alert it fetches, written out here rather than borrowed so
// that the simulator states the wire identity on its own.
func alertKey(customerID string, m heimdal.Module, targetID, sourceID string) string {
	parts := []string{url.PathEscape(customerID), url.PathEscape(string(m)), url.PathEscape(targetID)}
	if sourceID != "" {
		parts = append(parts, url.PathEscape(sourceID))
	}
	return strings.Join(parts, "/")
}
