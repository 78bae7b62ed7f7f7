package infimatest

//go:generate go run ../../internal/clientgen infimatest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/simkit"
)

// Server is a simulated INFIMA Reporting API over real HTTP. It is safe for
// concurrent use; its control methods may be called while requests are
// served.
type Server struct {
	// URL is the base URL ("http://127.0.0.1:port") once started.
	URL string
	// Listener may be set before Start to serve on a fixed address; Start
	// listens on a loopback port when it is nil.
	Listener net.Listener

	opts  options
	kit   *simkit.Kit
	today time.Time

	mu  sync.RWMutex
	st  *store
	key string

	maxLimit atomic.Int64
}

type options struct {
	sim                     simkit.Config
	noSeedData              bool
	randomSeed              int64
	clients, usersPerClient int
	key                     string
}

// WithRandomSeed changes the pseudo-random seed of the generated data
// (default 1). The same seed and clock always give the same data.
func WithRandomSeed(seed int64) Option { return func(o *options) { o.randomSeed = seed } }

// WithClients replaces the default twelve clients with n generated ones of
// usersPerClient users each (200 × 50 for the performance benchmark). When
// n ≥ 2 the last client is freshly onboarded: users, but no training,
// schedule or phishing data.
func WithClients(n, usersPerClient int) Option {
	return func(o *options) { o.clients, o.usersPerClient = n, usersPerClient }
}

// WithAPIKey fixes the initial API key instead of a random one, for a
// sandbox whose key must be known in advance.
func WithAPIKey(key string) Option { return func(o *options) { o.key = key } }

// NewUnstartedServer returns a simulator that is not yet serving, so that
// its Listener can be set first. Its data, key, controls, Handler and
// Transport work already.
func NewUnstartedServer(opts ...Option) *Server {
	o := options{randomSeed: 1}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	today := time.Now().UTC().Truncate(day)
	if o.sim.Clock != nil {
		today = o.sim.Clock().UTC()
	}
	s := &Server{opts: o, today: today, key: o.key}
	s.st = newStore(o, today)
	if s.key == "" {
		s.key = generateKey()
	}
	s.kit = simkit.New(o.sim, simkit.Vendor{
		Name:  "infimatest",
		Route: http.HandlerFunc(s.route),
		Auth:  s.authorize,
		WriteFault: simkit.BodyOr("application/json", func(w http.ResponseWriter, status int) {
			writeJSON(w, status, wireError{http.StatusText(status)})
		}),
		WriteTooManyRequests: func(w http.ResponseWriter, _ int) {
			writeJSON(w, http.StatusTooManyRequests, wireError{"Too Many Requests"})
		},
	})
	return s
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
func (s *Server) Now() time.Time { return s.today }

func (s *Server) noteLimit(n int) {
	for {
		cur := s.maxLimit.Load()
		if int64(n) <= cur || s.maxLimit.CompareAndSwap(cur, int64(n)) {
			return
		}
	}
}

// MaxLimitSeen returns the largest valid limit requested so far (requests
// with a larger one were refused with 400), or 0.
func (s *Server) MaxLimitSeen() int { return int(s.maxLimit.Load()) }

// ResetRequests clears the request log, the counters, Throttled and
// MaxLimitSeen.
func (s *Server) ResetRequests() {
	s.kit.ResetRequests()
	s.maxLimit.Store(0)
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
