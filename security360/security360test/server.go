package security360test

//go:generate go run ../../internal/clientgen security360test

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
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/internal/simkit"
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

type options struct {
	sim        simkit.Config
	noSeedData bool
	lifetime   time.Duration
	quota      int
	window     time.Duration
	enforce    bool
	pageSize   int
	clientID   string
	secret     string
	scopes     []string
	retryAfter time.Duration
}

// WithTokenLifetime sets how long issued tokens live (default one hour, as
// on Asio).
func WithTokenLifetime(d time.Duration) Option { return func(o *options) { o.lifetime = d } }

// WithQuota enforces Asio's own quota: requests per fixed window for each
// resource family (token requests excluded), answering 429 without
// Retry-After when it is spent, as Asio documents; every answer carries
// Limit, Remaining and Reset. Without it the quota (500 per five minutes)
// is only reported, in those headers and by /v1/rate_limits (quota.go).
func WithQuota(requests int, per time.Duration) Option {
	return func(o *options) { o.quota, o.window, o.enforce = requests, per, true }
}

// WithPageSize makes list endpoints page by n items when the caller gives
// no limit (default 0: everything in one answer).
func WithPageSize(n int) Option { return func(o *options) { o.pageSize = n } }

// WithCredentials fixes the API key instead of generating one.
func WithCredentials(clientID, clientSecret string) Option {
	return func(o *options) { o.clientID, o.secret = clientID, clientSecret }
}

// WithScopes sets the scopes the API key holds (default AllScopes).
func WithScopes(scopes ...string) Option {
	return func(o *options) { o.scopes = slices.Clone(scopes) }
}

// WithRetryAfter sets the Retry-After sent with injected 429 and 503
// answers (default one second; 0 sends "0").
func WithRetryAfter(d time.Duration) Option { return func(o *options) { o.retryAfter = d } }

type issued struct {
	expires time.Time
	scopes  map[string]bool
}

type injection struct{ status, times int }

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
	// Listener is where Start listens; when nil, Start listens on a
	// loopback port. Set it after NewUnstartedServer and before Start, for
	// example from a sandbox that hands out its own sockets.
	Listener net.Listener

	opts options
	kit  *simkit.Kit

	mu          sync.Mutex
	companies   []*simCompany
	tokens      map[string]issued
	tokenInject []injection
	quotas      map[string]*familyWindow // per-family quota windows (quota.go)
	nextID      int
}

// NewUnstartedServer returns a simulator that is not yet listening; set
// Listener if needed, then call Start, or use Handler, Transport or Client
// without a socket.
func NewUnstartedServer(opts ...Option) *Server {
	o := options{lifetime: time.Hour, quota: 500, window: 5 * time.Minute, retryAfter: time.Second, scopes: AllScopes,
		sim: simkit.Config{Clock: time.Now}}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if o.clientID == "" {
		o.clientID = "0e30" + randomHex(12)
	}
	if o.secret == "" {
		o.secret = randomHex(24)
	}
	s := &Server{opts: o, tokens: map[string]issued{}}
	s.kit = simkit.New(o.sim, simkit.Vendor{
		Name:   "security360test",
		Route:  s.routes(),
		Auth:   s.authenticate,
		Exempt: isTokenRequest,
		WriteFault: simkit.BodyOr("application/json", func(w http.ResponseWriter, status int) {
			writeError(w, status, strings.ReplaceAll(http.StatusText(status), " ", ""), "injected failure")
		}),
		WriteTooManyRequests: func(w http.ResponseWriter, _ int) {
			writeError(w, http.StatusTooManyRequests, "TooManyRequests", "rate limit exceeded; retry later")
		},
	})
	if !o.noSeedData {
		s.seed()
	}
	return s
}

// isTokenRequest tells the token endpoint, which API faults and limits
// leave alone, from the API.
func isTokenRequest(r *http.Request) bool { return r.URL.Path == tokenPath }

const tokenPath = "/v1/token"

// Credentials returns the simulated API key.
func (s *Server) Credentials() security360.Credentials {
	return security360.Credentials{ClientID: s.opts.clientID, ClientSecret: s.opts.secret}
}

// ClientOptions returns the options that point a security360.Client at
// this server: its URL, its HTTP client, no client-side rate limit and
// millisecond backoff so tests stay fast. On a server that was never
// started, requests go in memory through Transport.
func (s *Server) ClientOptions() []security360.Option {
	base := s.URL
	if base == "" {
		base = "http://security360test.invalid"
	}
	return []security360.Option{
		security360.WithBaseURL(base),
		security360.WithHTTPClient(s.Client()),
		security360.WithRateLimit(0, 1),
		security360.WithRetry(2, time.Millisecond, 20*time.Millisecond),
	}
}

// TokenRequests returns how many token requests arrived: a shorthand for
// CountRequests("POST", "/v1/token").
func (s *Server) TokenRequests() int { return s.CountRequests(http.MethodPost, tokenPath) }

// APIRequests returns how many API requests (everything but token
// requests) arrived, rejected ones included.
func (s *Server) APIRequests() int { return s.CountRequests("", "") - s.TokenRequests() }

// ExpireTokens makes every token issued so far invalid, so the next API
// call with one gets a 401.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}

func (s *Server) retryAfter() string {
	return strconv.Itoa(int(math.Ceil(s.opts.retryAfter.Seconds())))
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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	const co = "/api/platform/v1/company/companies"
	mux.HandleFunc("POST "+tokenPath, s.handleToken)
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
	mux.Handle("/", s.quotaGate(api))
	return mux
}

// quotaGate enforces Asio's fixed-window quota before routing API calls.
func (s *Server) quotaGate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.gateQuota(w, r) {
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	status := takeInjection(&s.tokenInject)
	s.mu.Unlock()
	if status != 0 {
		if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", s.retryAfter())
		}
		writeError(w, status, strings.ReplaceAll(http.StatusText(status), " ", ""), "injected failure")
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
	if subtle.ConstantTimeCompare([]byte(f.ClientID), []byte(s.opts.clientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(f.ClientSecret), []byte(s.opts.secret)) != 1 {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	held := map[string]bool{}
	for _, sc := range s.opts.scopes {
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
	s.tokens[tok] = issued{expires: s.kit.Now().Add(s.opts.lifetime), scopes: granted}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int(s.opts.lifetime.Seconds()),
		"scope":        strings.Join(slices.Sorted(maps.Keys(granted)), " "),
	})
}

// validToken returns the grant of the request's bearer token, if it is
// known and not expired.
func (s *Server) validToken(r *http.Request) (issued, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	defer s.mu.Unlock()
	is, known := s.tokens[tok]
	return is, ok && known && s.kit.Now().Before(is.expires)
}

func writeInvalidToken(w http.ResponseWriter) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	writeError(w, http.StatusUnauthorized, "Unauthorized", "missing, invalid or expired access token")
}

// authenticate is the kit's authentication step for API calls: a
// missing, unknown or expired token gets 401 before the rate limit and
// the quota, so it costs neither. Handlers then check scopes.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	if isTokenRequest(r) {
		return r, true
	}
	if _, ok := s.validToken(r); !ok {
		writeInvalidToken(w)
		return r, false
	}
	return r, true
}

// authorize checks the bearer token and, when scope is not empty, that the
// token carries it.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, scope string) bool {
	is, valid := s.validToken(r)
	if !valid {
		writeInvalidToken(w)
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
		items[i] = toWireCompany(c.company)
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
	writeJSON(w, http.StatusOK, toWireCompany(co))
}

// wireCompany is a company as the platform sends it. It is declared here,
// apart from security360.Company, so that a wrong JSON tag in the client
// fails a test instead of being mirrored (see the package doc). The
// simulator's companies have no friendly name, description or external
// ids, so those members are never sent.
type wireCompany struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func toWireCompany(c security360.Company) wireCompany { return wireCompany{ID: c.ID, Name: c.Name} }

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
	limit := s.opts.pageSize
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
	simkit.WriteJSON(w, status, "application/json", v)
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
