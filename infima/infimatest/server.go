package infimatest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/psabridge/psabridge/infima"
)

// Server is a simulated INFIMA Reporting API over real HTTP. It is safe for
// concurrent use; its control methods may be called while requests are
// served.
type Server struct {
	// URL is the base URL ("http://127.0.0.1:port") once started.
	URL string
	// Listener is what Start serves on. NewUnstartedServer sets a loopback
	// listener; replace it before Start to serve on a fixed address.
	Listener net.Listener

	cfg     config
	hs      *httptest.Server
	handler http.Handler
	limiter *rate.Limiter

	mu     sync.RWMutex
	st     *store
	key    string
	faults []fault

	requests  atomic.Int64
	maxLimit  atomic.Int64
	throttled atomic.Int64
	countMu   sync.Mutex
	paths     map[string]int
}

// maxPaths bounds the per-path counters; further distinct paths (a client
// probing random URLs) are counted under "other".
const maxPaths = 4096

type fault struct {
	status int
	body   string
	left   int
}

type config struct {
	seed                    int64
	clients, usersPerClient int
	ratePerSecond           float64
	burst                   int
	latency                 time.Duration
	key                     string
	now                     time.Time
}

// Option configures a Server.
type Option func(*config)

// WithSeed changes the pseudo-random seed of the generated data (default 1).
// The same seed and clock always give the same data.
func WithSeed(seed int64) Option { return func(c *config) { c.seed = seed } }

// WithClients replaces the default twelve clients with n generated ones of
// usersPerClient users each (200 × 50 for the performance benchmark). When
// n ≥ 2 the last client is freshly onboarded: users, but no training,
// schedule or phishing data.
func WithClients(n, usersPerClient int) Option {
	return func(c *config) { c.clients, c.usersPerClient = n, usersPerClient }
}

// WithRateLimit makes the server answer 429 with Retry-After (whole
// seconds, at least 1) once more than burst requests arrive faster than
// perSecond. INFIMA publishes no limit; this exists to test clients.
func WithRateLimit(perSecond float64, burst int) Option {
	return func(c *config) { c.ratePerSecond, c.burst = perSecond, max(burst, 1) }
}

// WithLatency delays every response by d (cut short if the request is
// cancelled).
func WithLatency(d time.Duration) Option { return func(c *config) { c.latency = d } }

// WithAPIKey fixes the initial API key instead of a random one, for a
// sandbox whose key must be known in advance.
func WithAPIKey(key string) Option { return func(c *config) { c.key = key } }

// WithNow sets the simulated "today" that due dates, creation dates and the
// phishing last-year window are relative to (default: the current UTC day
// at midnight). Fix it for byte-stable output.
func WithNow(t time.Time) Option { return func(c *config) { c.now = t.UTC() } }

// NewServer starts a simulator on a loopback port. Call Close when done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a simulator that is not yet serving, so that
// its Listener can be replaced. Its data, key and controls work already.
func NewUnstartedServer(opts ...Option) *Server {
	cfg := config{seed: 1, now: time.Now().UTC().Truncate(day)}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	s := &Server{cfg: cfg, paths: map[string]int{}}
	s.st = newStore(&s.cfg)
	s.key = cfg.key
	if s.key == "" {
		s.key = generateKey()
	}
	if cfg.ratePerSecond > 0 {
		s.limiter = rate.NewLimiter(rate.Limit(cfg.ratePerSecond), cfg.burst)
	}
	s.handler = http.HandlerFunc(s.serve)
	s.hs = httptest.NewUnstartedServer(s.handler)
	s.Listener = s.hs.Listener
	return s
}

// Start serves on s.Listener. It panics if called twice, like httptest.
func (s *Server) Start() {
	if s.Listener != s.hs.Listener {
		_ = s.hs.Listener.Close()
		s.hs.Listener = s.Listener
	}
	s.hs.Start()
	s.URL = s.hs.URL
}

// Close stops serving and waits for in-flight requests.
func (s *Server) Close() {
	if s.URL != "" {
		s.hs.Close()
		return
	}
	_ = s.Listener.Close()
}

// Handler returns the simulated API as an http.Handler, for serving it
// elsewhere or calling it in memory.
func (s *Server) Handler() http.Handler { return s.handler }

// Transport returns a RoundTripper that calls the handler in memory, with
// no socket. Inside a testing/synctest bubble it makes latency, Retry-After
// and backoff run on the fake clock.
func (s *Server) Transport() http.RoundTripper { return memTransport{s.handler} }

type memTransport struct{ h http.Handler }

// RoundTrip serves req with the handler and returns the recorded response.
func (t memTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// testOptions keep tests fast: millisecond backoff instead of seconds, and
// no client-side rate limit (the client's 5 requests/s default would make
// a walk of the default data set take seconds of real time).
func testOptions() []infima.Option {
	return []infima.Option{
		infima.WithRetry(4, time.Millisecond, 20*time.Millisecond),
		infima.WithRateLimit(0, 1),
	}
}

// ClientOptions returns the options that point an infima.Client at this
// server over HTTP, with millisecond retry backoff and no client-side rate
// limit:
//
//	c, err := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)
//
// Options appended after these win, so a benchmark of the client's real
// behaviour appends infima.WithRateLimit and infima.WithRetry with
// production values.
func (s *Server) ClientOptions() []infima.Option {
	return append([]infima.Option{infima.WithBaseURL(s.URL)}, testOptions()...)
}

// InMemoryOptions is ClientOptions over Transport instead of a socket; the
// server need not be started. Use it inside testing/synctest.
func (s *Server) InMemoryOptions() []infima.Option {
	u := s.URL
	if u == "" {
		u = "http://127.0.0.1"
	}
	return append([]infima.Option{
		infima.WithBaseURL(u),
		infima.WithHTTPClient(&http.Client{Transport: s.Transport()}),
	}, testOptions()...)
}

func generateKey() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return "infima_sim_" + hex.EncodeToString(b)
}

// APIKey returns the key the server currently accepts.
func (s *Server) APIKey() string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.key
}

// RotateKey does what "Generate API Key" does in INFIMA: a new key becomes
// the only valid one, and the old key gets 401 from then on.
func (s *Server) RotateKey() (newKey string) {
	k := generateKey()
	s.mu.Lock()
	s.key = k
	s.mu.Unlock()
	return k
}

func (s *Server) keyOK(k string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return k != "" && k == s.key
}

// Now returns the simulated "today".
func (s *Server) Now() time.Time { return s.cfg.now }

// InjectStatus makes the next times requests fail with status (before the
// key is checked), with a JSON {"message"} body; 429 and 503 carry
// Retry-After: 1.
func (s *Server) InjectStatus(status, times int) {
	b, _ := json.Marshal(wireError{http.StatusText(status)})
	s.InjectResponse(status, string(b), times)
}

// InjectResponse makes the next times requests answer status with body
// verbatim: use it for malformed JSON or odd error bodies.
func (s *Server) InjectResponse(status int, body string, times int) {
	if times <= 0 {
		return
	}
	s.mu.Lock()
	s.faults = append(s.faults, fault{status: status, body: body, left: times})
	s.mu.Unlock()
}

func (s *Server) takeFault() (fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return fault{}, false
	}
	f := s.faults[0]
	s.faults[0].left--
	if s.faults[0].left <= 0 {
		s.faults = s.faults[1:]
	}
	return f, true
}

func (s *Server) count(path string) {
	s.requests.Add(1)
	s.countMu.Lock()
	if _, ok := s.paths[path]; !ok && len(s.paths) >= maxPaths {
		path = "other"
	}
	s.paths[path]++
	s.countMu.Unlock()
}

func (s *Server) noteLimit(n int) {
	for {
		cur := s.maxLimit.Load()
		if int64(n) <= cur || s.maxLimit.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// Requests returns how many requests arrived, whatever their outcome.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// CountRequests returns how many requests had a URL path containing
// pathContains ("/users", "/v1/clients/3/"...).
func (s *Server) CountRequests(pathContains string) int {
	s.countMu.Lock()
	defer s.countMu.Unlock()
	n := 0
	for p, c := range s.paths {
		if strings.Contains(p, pathContains) {
			n += c
		}
	}
	return n
}

// MaxLimitSeen returns the largest valid limit requested so far (requests
// with a larger one were refused with 400), or 0.
func (s *Server) MaxLimitSeen() int { return int(s.maxLimit.Load()) }

// Throttled returns how many 429 responses were sent.
func (s *Server) Throttled() int { return int(s.throttled.Load()) }

// ResetRequests zeroes the request counters.
func (s *Server) ResetRequests() {
	s.requests.Store(0)
	s.maxLimit.Store(0)
	s.throttled.Store(0)
	s.countMu.Lock()
	clear(s.paths)
	s.countMu.Unlock()
}

// ClientIDs returns the ids of every client, in API order.
func (s *Server) ClientIDs() []int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]int, len(s.st.clients))
	for i, c := range s.st.clients {
		ids[i] = c.id
	}
	return ids
}

// FreshClientID returns the id of the freshly onboarded client (users, but
// no training, schedule or phishing data), or 0 if there is none.
func (s *Server) FreshClientID() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.st.byID[s.st.freshID] == nil {
		return 0
	}
	return s.st.freshID
}

// UserEmails returns the emails of every user (active or not) of a client,
// in API order; nil for an unknown client.
func (s *Server) UserEmails(clientID int) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.st.byID[clientID]
	if c == nil {
		return nil
	}
	out := make([]string, len(c.users))
	for i, u := range c.users {
		out[i] = u.email
	}
	return out
}

// ClientSpec describes a client for AddClient.
type ClientSpec struct {
	Name string
	// Users is how many users to generate.
	Users int
	// Fresh makes a just-onboarded client: no training, schedule or
	// phishing data.
	Fresh bool
}

// AddClient adds a client with generated users (deterministic for a given
// seed and call order) and returns its id.
func (s *Server) AddClient(spec ClientSpec) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := spec.Name
	if name == "" {
		name = generatedName(len(s.st.clients))
	}
	return s.st.addClient(name, spec.Users, spec.Fresh).id
}

// RemoveClient deletes a client, as when a partner offboards it.
func (s *Server) RemoveClient(clientID int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.byID[clientID] == nil {
		return fmt.Errorf("infimatest: no client %d", clientID)
	}
	delete(s.st.byID, clientID)
	s.st.clients = slices.DeleteFunc(s.st.clients, func(c *clientRec) bool { return c.id == clientID })
	return nil
}

// withUser runs f on a user under the write lock.
func (s *Server) withUser(clientID int, email string, f func(*userRec)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.byID[clientID]
	if c == nil {
		return fmt.Errorf("infimatest: no client %d", clientID)
	}
	u := c.byEmail[email]
	if u == nil {
		return fmt.Errorf("infimatest: client %d has no user %q", clientID, email)
	}
	f(u)
	return nil
}

// SetUserTraining sets a user's training verdict, as INFIMA does after a
// course is completed or falls overdue.
func (s *Server) SetUserTraining(clientID int, email string, onTrack bool, coursesBehind int) error {
	return s.withUser(clientID, email, func(u *userRec) {
		u.onTrack = &onTrack
		u.coursesBehind = max(coursesBehind, 0)
	})
}

// SetNextCourse schedules a user's next course; an empty course clears it.
func (s *Server) SetNextCourse(clientID int, email, course string, due time.Time) error {
	return s.withUser(clientID, email, func(u *userRec) {
		if course == "" {
			u.next = nil
			return
		}
		u.next = &courseRec{name: course, due: due.UTC()}
	})
}

// AddPhishingTest records a phishing test for a user. Empty fields get
// defaults: an id, a subject and sender, an automatic campaign, outcome
// Sent, sent "now".
func (s *Server) AddPhishingTest(clientID int, email string, t infima.PhishingTest) error {
	return s.withUser(clientID, email, func(u *userRec) {
		kind := t.Kind
		if kind == "" {
			kind = infima.CampaignAutomatic
		}
		o := t.Outcome
		if o == "" {
			o = infima.OutcomeSent
		}
		sent := t.SentDate.Time
		if sent.IsZero() {
			sent = s.st.now
		}
		rec := s.st.newTest(kind, o, sent.UTC())
		if t.ID != "" {
			rec.id = t.ID
		}
		if t.Subject != "" {
			rec.subject = t.Subject
		}
		if t.From != "" {
			rec.from = t.From
		}
		if !t.StatusDate.IsZero() {
			rec.reached = t.StatusDate.UTC()
		}
		u.tests = append(u.tests, rec)
	})
}

// SetUserStatus activates or deactivates a user.
func (s *Server) SetUserStatus(clientID int, email string, status infima.UserStatus) error {
	if status != infima.StatusActive && status != infima.StatusInactive {
		return fmt.Errorf("infimatest: status must be active or inactive, not %q", status)
	}
	return s.withUser(clientID, email, func(u *userRec) { u.status = status })
}
