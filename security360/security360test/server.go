package security360test

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/security360"
)

// AllScopes are the scopes a simulated API key holds unless WithScopes
// says otherwise.
var AllScopes = []string{
	security360.ScopeCompaniesRead,
	security360.ScopeSitesRead,
	security360.ScopeSitesWrite,
	security360.ScopeSecurity360Write,
}

// Option configures a Server.
type Option func(*config)

type config struct {
	lifetime   time.Duration
	now        func() time.Time
	limit      int
	window     time.Duration
	enforce    bool
	pageSize   int
	clientID   string
	secret     string
	scopes     []string
	retryAfter time.Duration
	seed       bool
	infima     bool
}

// WithTokenLifetime sets how long issued tokens live (default one hour, as
// on Asio).
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.lifetime = d } }

// WithClock replaces the server's clock, so tests can expire tokens and
// rate-limit windows without sleeping.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithRateLimit enforces a quota of requests per window for each resource
// family (token requests excluded), answering 429 without Retry-After when
// it is spent, as Asio documents; every answer carries Limit, Remaining and
// Reset. Without it the quota is only reported (quota.go).
func WithRateLimit(requests int, per time.Duration) Option {
	return func(c *config) { c.limit, c.window, c.enforce = requests, per, true }
}

// WithPageSize makes list endpoints page by n items when the caller gives
// no limit (default 0: everything in one answer).
func WithPageSize(n int) Option { return func(c *config) { c.pageSize = n } }

// WithCredentials fixes the API key instead of generating one.
func WithCredentials(clientID, clientSecret string) Option {
	return func(c *config) { c.clientID, c.secret = clientID, clientSecret }
}

// WithScopes sets the scopes the API key holds (default AllScopes).
func WithScopes(scopes ...string) Option {
	return func(c *config) { c.scopes = slices.Clone(scopes) }
}

// WithRetryAfter sets the Retry-After sent with injected 429 and 503
// answers (default one second; 0 sends "0").
func WithRetryAfter(d time.Duration) Option { return func(c *config) { c.retryAfter = d } }

// WithoutSeed starts with no companies; add them with AddCompany.
func WithoutSeed() Option { return func(c *config) { c.seed = false } }

// WithINFIMAClientCompanies also seeds the companies and sites of the
// INFIMA simulator's default clients, named the way they typically appear
// in Asio ("Blue Ridge Logistics, Inc." for INFIMA's "Blue Ridge
// Logistics"; a two-clinic practice whose match is a tie for a person to
// settle), so that the two simulators together show realistic mapping
// suggestions. The default seed matches none of them, which is how mapping
// code meets a partner whose names differ entirely.
func WithINFIMAClientCompanies() Option { return func(c *config) { c.infima = true } }

type issued struct {
	expires time.Time
	scopes  map[string]bool
}

type injection struct{ status, times int }

// Request is one API request the server received (token requests are
// counted separately).
type Request struct {
	Method string
	Path   string
	Query  string
}

type simCompany struct {
	company security360.Company
	sites   []map[string]any // kept as JSON objects so PATCH can touch any member
}

// Server is an in-process Asio platform API over real HTTP, in the manner
// of net/http/httptest. It issues tokens, serves seeded companies and
// sites, applies JSON Patch to sites, and can inject failures. Its Training
// store receives Security 360 data pushes. It is safe for concurrent use.
type Server struct {
	// URL is the base URL, set once the server is started.
	URL string
	// Listener is where the server will listen. It may be replaced after
	// NewUnstartedServer and before Start, for example by a sandbox that
	// hands out its own sockets.
	Listener net.Listener

	ts    *httptest.Server
	cfg   config
	h     http.Handler
	store *Store

	mu            sync.Mutex
	companies     []*simCompany
	tokens        map[string]issued
	tokenRequests int
	apiRequests   int
	requests      []Request
	inject        []injection
	tokenInject   []injection
	quotas        map[string]*familyWindow // per-family rate-limit windows (quota.go)
	nextID        int
}

// NewServer starts a simulator; call Close when done.
func NewServer(opts ...Option) *Server {
	s := NewUnstartedServer(opts...)
	s.Start()
	return s
}

// NewUnstartedServer returns a simulator that is not yet listening; set
// Listener if needed, then call Start.
func NewUnstartedServer(opts ...Option) *Server {
	cfg := config{lifetime: time.Hour, now: time.Now, limit: 500, window: 5 * time.Minute, retryAfter: time.Second, seed: true, scopes: AllScopes}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if cfg.clientID == "" {
		cfg.clientID = "0e30" + randomHex(12)
	}
	if cfg.secret == "" {
		cfg.secret = randomHex(24)
	}
	s := &Server{cfg: cfg, tokens: map[string]issued{}, store: &Store{now: cfg.now}}
	s.h = s.routes()
	if cfg.seed {
		s.seed()
	}
	if cfg.infima {
		s.seedINFIMAClients()
	}
	s.ts = httptest.NewUnstartedServer(s.h)
	s.Listener = s.ts.Listener
	return s
}

// Start begins serving on Listener.
func (s *Server) Start() {
	if s.Listener != s.ts.Listener {
		_ = s.ts.Listener.Close()
		s.ts.Listener = s.Listener
	}
	s.ts.Start()
	s.URL = s.ts.URL
}

// Close shuts the server down, waiting for outstanding requests.
func (s *Server) Close() { s.ts.Close() }

// Handler returns the simulator as an http.Handler, for in-memory use.
func (s *Server) Handler() http.Handler { return s.h }

// Credentials returns the simulated API key.
func (s *Server) Credentials() security360.Credentials {
	return security360.Credentials{ClientID: s.cfg.clientID, ClientSecret: s.cfg.secret}
}

// ClientOptions returns the options that point a security360.Client at
// this server: its URL, its HTTP client, no client-side rate limit and
// millisecond backoff so tests stay fast. Call it after Start.
func (s *Server) ClientOptions() []security360.Option {
	return []security360.Option{
		security360.WithBaseURL(s.URL),
		security360.WithHTTPClient(s.ts.Client()),
		security360.WithRateLimit(0, 1),
		security360.WithRetry(2, time.Millisecond, 20*time.Millisecond),
	}
}

// Training returns the store that stands in for the Security 360 Training
// screen.
func (s *Server) Training() *Store { return s.store }

// TokenRequests returns how many token requests arrived.
func (s *Server) TokenRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenRequests
}

// APIRequests returns how many API requests (everything but the token
// endpoint) arrived, rejected ones included.
func (s *Server) APIRequests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.apiRequests
}

// Requests returns the API requests received, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// ExpireTokens makes every token issued so far invalid, so the next API
// call with one gets a 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

// InjectStatus makes the next times API requests fail with status before
// any other processing (a 429 or 503 carries Retry-After).
func (s *Server) InjectStatus(status, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject = append(s.inject, injection{status, times})
}

// InjectTokenStatus makes the next times token requests fail with status.
func (s *Server) InjectTokenStatus(status, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenInject = append(s.tokenInject, injection{status, times})
}

func takeInjection(list *[]injection) int {
	for len(*list) > 0 {
		in := &(*list)[0]
		if in.times <= 0 {
			*list = (*list)[1:]
			continue
		}
		in.times--
		return in.status
	}
	return 0
}

// AddCompany adds a company with a generated ID and returns it.
func (s *Server) AddCompany(name string) security360.Company {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addCompanyLocked(name)
}

func (s *Server) addCompanyLocked(name string) security360.Company {
	s.nextID++
	c := security360.Company{ID: fmt.Sprintf("11111111-0000-4000-8000-%012d", s.nextID), Name: name}
	s.companies = append(s.companies, &simCompany{company: c})
	return c
}

// AddSite adds a site to a company and returns it; ok is false when the
// company does not exist.
func (s *Server) AddSite(companyID, name string) (site security360.Site, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addSiteLocked(companyID, name)
}

func (s *Server) addSiteLocked(companyID, name string) (security360.Site, bool) {
	c := s.company(companyID)
	if c == nil {
		return security360.Site{}, false
	}
	s.nextID++
	m := map[string]any{
		"id":          fmt.Sprintf("22222222-0000-4000-8000-%012d", s.nextID),
		"name":        name,
		"timeZone":    "America/New_York",
		"activeFlag":  true,
		"primaryFlag": len(c.sites) == 0,
		"externalIds": []any{},
	}
	c.sites = append(c.sites, m)
	return toSite(m, companyID), true
}

// Companies returns every company, in order.
func (s *Server) Companies() []security360.Company {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]security360.Company, len(s.companies))
	for i, c := range s.companies {
		out[i] = c.company
	}
	return out
}

// CompanyByName finds a company by exact name.
func (s *Server) CompanyByName(name string) (security360.Company, bool) {
	for _, c := range s.Companies() {
		if c.Name == name {
			return c, true
		}
	}
	return security360.Company{}, false
}

// Sites returns a company's sites as the server holds them now.
func (s *Server) Sites(companyID string) []security360.Site {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.company(companyID)
	if c == nil {
		return nil
	}
	out := make([]security360.Site, len(c.sites))
	for i, m := range c.sites {
		out[i] = toSite(m, companyID)
	}
	return out
}

// Site returns one site as the server holds it now.
func (s *Server) Site(companyID, siteID string) (security360.Site, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.site(companyID, siteID); m != nil {
		return toSite(m, companyID), true
	}
	return security360.Site{}, false
}

func toSite(m map[string]any, companyID string) security360.Site {
	var site security360.Site
	b, _ := json.Marshal(m)
	_ = json.Unmarshal(b, &site)
	site.CompanyID = companyID
	return site
}

func (s *Server) company(id string) *simCompany {
	for _, c := range s.companies {
		if c.company.ID == id {
			return c
		}
	}
	return nil
}

func (s *Server) site(companyID, siteID string) map[string]any {
	c := s.company(companyID)
	if c == nil {
		return nil
	}
	for _, m := range c.sites {
		if m["id"] == siteID {
			return m
		}
	}
	return nil
}

// seed creates partner companies whose names are close to, but not always
// exactly, the INFIMA simulator's client names, plus companies that match
// nothing, so that mapping code meets realistic data.
func (s *Server) seed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range []struct {
		name  string
		sites []string
	}{
		{"Acme Corp", []string{"Acme Corp HQ", "Acme Corp Warehouse"}},
		{"Globex Corporation", []string{"Globex Corporation"}},
		{"Initech LLC", []string{"Initech Austin", "Initech Dallas"}},
		{"Umbrella Health", []string{"Umbrella Main Clinic"}},
		{"Vandelay Industries", nil},
	} {
		co := s.addCompanyLocked(c.name)
		for _, name := range c.sites {
			s.addSiteLocked(co.ID, name)
		}
	}
}

// seedINFIMAClients adds the companies WithINFIMAClientCompanies promises.
func (s *Server) seedINFIMAClients() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range []struct {
		name  string
		sites []string
	}{
		{"Acme Dental Group PLLC", []string{"Acme Dental Group PLLC"}},
		{"Blue Ridge Logistics, Inc.", []string{"Blue Ridge Logistics"}},
		{"Cedar Creek Accounting LLC", []string{"Main Office"}},
		{"Lakeside Credit Union", []string{"Lakeside CU Main Branch"}},
		{"Northgate Engineering", []string{"Northgate Engineering"}},
		{"Summit Family Medicine", []string{"Summit North Clinic", "Summit South Clinic"}},
		{"Harbor Point Bakery", []string{"Harbor Point Bakery"}},
	} {
		co := s.addCompanyLocked(c.name)
		for _, name := range c.sites {
			s.addSiteLocked(co.ID, name)
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	const co = "/api/platform/v1/company/companies"
	mux.HandleFunc("POST /v1/token", s.handleToken)
	api := http.NewServeMux()
	api.HandleFunc("GET /v1/rate_limits", s.handleRateLimits)
	api.HandleFunc("GET "+co, s.handleCompanies)
	api.HandleFunc("GET "+co+"/{companyId}", s.handleCompany)
	api.HandleFunc("GET "+co+"/{companyId}/sites", s.handleSites)
	api.HandleFunc("GET "+co+"/{companyId}/sites/{siteId}", s.handleSite)
	api.HandleFunc("PATCH "+co+"/{companyId}/sites/{siteId}", s.handlePatchSite)
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "NotFound", "no such endpoint")
	})
	mux.Handle("/", s.apiGate(api))
	return mux
}

// apiGate counts, injects faults and enforces the quota before routing.
func (s *Server) apiGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.apiRequests++
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery})
		status := takeInjection(&s.inject)
		s.mu.Unlock()
		if status != 0 {
			s.writeInjected(w, status)
			return
		}
		if !s.gateQuota(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) writeInjected(w http.ResponseWriter, status int) {
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.cfg.retryAfter.Seconds()))))
	}
	writeError(w, status, strings.ReplaceAll(http.StatusText(status), " ", ""), "injected failure")
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tokenRequests++
	status := takeInjection(&s.tokenInject)
	s.mu.Unlock()
	if status != 0 {
		s.writeInjected(w, status)
		return
	}
	var f struct {
		GrantType    string `json:"grant_type"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
		Scope        string `json:"scope"`
	}
	// Real integrations send JSON; an OAuth form is accepted too.
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	if err != nil {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "unreadable body")
		return
	}
	switch ct {
	case "application/json":
		if json.Unmarshal(body, &f) != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "body is not JSON")
			return
		}
	case "application/x-www-form-urlencoded":
		v, err := url.ParseQuery(string(body))
		if err != nil {
			writeOAuthError(w, http.StatusBadRequest, "invalid_request", "malformed form")
			return
		}
		f.GrantType, f.ClientID, f.ClientSecret, f.Scope = v.Get("grant_type"), v.Get("client_id"), v.Get("client_secret"), v.Get("scope")
	default:
		writeOAuthError(w, http.StatusUnsupportedMediaType, "invalid_request", "send application/json")
		return
	}
	if f.GrantType != "client_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported")
		return
	}
	if subtle.ConstantTimeCompare([]byte(f.ClientID), []byte(s.cfg.clientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(f.ClientSecret), []byte(s.cfg.secret)) != 1 {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	held := map[string]bool{}
	for _, sc := range s.cfg.scopes {
		held[sc] = true
	}
	granted := map[string]bool{}
	for sc := range strings.FieldsSeq(f.Scope) {
		if !held[sc] {
			writeOAuthError(w, http.StatusBadRequest, "invalid_scope", "scope "+sc+" is not granted to this API key")
			return
		}
		granted[sc] = true
	}
	if len(granted) == 0 {
		granted = held
	}
	tok := randomHex(24)
	s.mu.Lock()
	s.tokens[tok] = issued{expires: s.cfg.now().Add(s.cfg.lifetime), scopes: granted}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(s.cfg.lifetime.Seconds()),
		"scope":        strings.Join(slices.Sorted(maps.Keys(granted)), " "),
	})
}

// authorize checks the bearer token and, when scope is not empty, that the
// token carries it.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, scope string) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	is, known := s.tokens[tok]
	valid := ok && known && s.cfg.now().Before(is.expires)
	s.mu.Unlock()
	if !valid {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "Unauthorized", "missing, invalid or expired access token")
		return false
	}
	if scope != "" && !is.scopes[scope] {
		writeError(w, http.StatusForbidden, "Forbidden", "token lacks scope "+scope)
		return false
	}
	return true
}

func (s *Server) handleRateLimits(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, "") {
		return
	}
	s.writeRateLimits(w)
}

func (s *Server) handleCompanies(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, security360.ScopeCompaniesRead) {
		return
	}
	s.mu.Lock()
	items := make([]any, len(s.companies))
	for i, c := range s.companies {
		items[i] = c.company
	}
	s.mu.Unlock()
	s.writePage(w, r, items)
}

func (s *Server) handleCompany(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, security360.ScopeCompaniesRead) {
		return
	}
	s.mu.Lock()
	c := s.company(r.PathValue("companyId"))
	var co security360.Company
	if c != nil {
		co = c.company
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "NotFound", "company not found")
		return
	}
	writeJSON(w, http.StatusOK, co)
}

func (s *Server) handleSites(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, security360.ScopeSitesRead) {
		return
	}
	s.mu.Lock()
	c := s.company(r.PathValue("companyId"))
	var items []any
	if c != nil {
		for _, m := range c.sites {
			items = append(items, maps.Clone(m))
		}
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "NotFound", "company not found")
		return
	}
	s.writePage(w, r, items)
}

func (s *Server) handleSite(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, security360.ScopeSitesRead) {
		return
	}
	s.mu.Lock()
	m := s.site(r.PathValue("companyId"), r.PathValue("siteId"))
	if m != nil {
		m = deepCopy(m)
	}
	s.mu.Unlock()
	if m == nil {
		writeError(w, http.StatusNotFound, "NotFound", "site not found")
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (s *Server) handlePatchSite(w http.ResponseWriter, r *http.Request) {
	if !s.authorize(w, r, security360.ScopeSitesWrite) {
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/json-patch+json" && ct != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "send a JSON Patch document")
		return
	}
	var ops []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ops); err != nil || len(ops) == 0 {
		writeError(w, http.StatusBadRequest, "BadRequest", "body must be a non-empty JSON Patch array")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.site(r.PathValue("companyId"), r.PathValue("siteId"))
	if m == nil {
		writeError(w, http.StatusNotFound, "NotFound", "site not found")
		return
	}
	var doc any = deepCopy(m)
	for _, op := range ops {
		var val any
		if len(op.Value) > 0 {
			if err := json.Unmarshal(op.Value, &val); err != nil {
				writeError(w, http.StatusBadRequest, "BadRequest", "invalid value")
				return
			}
		}
		var err error
		if doc, err = applyOp(doc, op.Op, op.Path, val, len(op.Value) > 0); err != nil {
			status := http.StatusBadRequest
			if errors.Is(err, errTestFailed) {
				status = http.StatusConflict
			}
			writeError(w, status, "InvalidPatch", err.Error())
			return
		}
	}
	next, ok := doc.(map[string]any)
	if !ok || next["id"] != m["id"] {
		writeError(w, http.StatusBadRequest, "InvalidPatch", "the site id cannot be changed")
		return
	}
	s.stampExternalIDs(m, next) // platform-owned id, siteId, backsynced (externalids.go)
	if msg := validateSite(next); msg != "" {
		writeError(w, http.StatusBadRequest, "ValidationError", msg)
		return
	}
	clear(m)
	maps.Copy(m, next)
	writeJSON(w, http.StatusOK, deepCopy(m))
}

// validateSite checks what the platform would: a name, and well-formed
// externalIds.
func validateSite(m map[string]any) string {
	if name, _ := m["name"].(string); strings.TrimSpace(name) == "" {
		return "name is required"
	}
	raw, ok := m["externalIds"]
	if !ok || raw == nil {
		return ""
	}
	list, ok := raw.([]any)
	if !ok {
		return "externalIds must be an array"
	}
	for i, e := range list {
		obj, ok := e.(map[string]any)
		if !ok {
			return fmt.Sprintf("externalIds[%d] must be an object", i)
		}
		for _, k := range []string{"externalId", "productId"} {
			if v, _ := obj[k].(string); v == "" {
				return fmt.Sprintf("externalIds[%d].%s is required", i, k)
			}
		}
	}
	return ""
}

// writePage serves items with limit/cursor paging and a Link rel="next"
// header; the cursor is an opaque offset.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, items []any) {
	q := r.URL.Query()
	limit := s.cfg.pageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			writeError(w, http.StatusBadRequest, "BadRequest", "limit must be between 1 and 1000")
			return
		}
		limit = n
	}
	offset := 0
	if v := q.Get("cursor"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "BadRequest", "invalid cursor")
			return
		}
		offset = n
	}
	offset = min(offset, len(items))
	end := len(items)
	if limit > 0 {
		end = min(offset+limit, len(items))
	}
	if end < len(items) {
		next := *r.URL
		nq := next.Query()
		nq.Set("limit", strconv.Itoa(limit))
		nq.Set("cursor", strconv.Itoa(end))
		next.RawQuery = nq.Encode()
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		w.Header().Set("Link", fmt.Sprintf(`<%s://%s%s>; rel="next"`, scheme, r.Host, next.RequestURI()))
	}
	page := items[offset:end]
	if page == nil {
		page = []any{}
	}
	writeJSON(w, http.StatusOK, page)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"code": code, "message": message})
}

func writeOAuthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func deepCopy(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}
