package connectwise

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/internal/apiclient"
	"github.com/psabridge/psabridge/internal/httpx"
)

// Client talks to one PSA site. It is safe for concurrent use.
type Client struct {
	hc     *httpx.Client
	b      *apiclient.Backend
	origin string // "https://api-na.myconnectwise.net"
	cred   *credentials

	mu       sync.Mutex
	codebase string // "v2025_1/"; fixed when configured, else discovered
	fixed    bool
	// fruitless is when a 404 last made discovery ask again and it found
	// the codebase unchanged.
	fruitless time.Time
	now       func() time.Time // time.Now; tests replace it

	common service

	// System reads system info, the caller's own member and permissions.
	System *SystemService
	// Members reads members (users and API members).
	Members *MembersService
	// SecurityRoles reads security roles and their settings.
	SecurityRoles *SecurityRolesService
	// Boards manages service boards and their statuses, types, subtypes and items.
	Boards *BoardsService
	// Priorities reads ticket priorities.
	Priorities *PrioritiesService
	// Companies reads companies and their sites.
	Companies *CompaniesService
	// Tickets manages service tickets and their notes.
	Tickets *TicketsService
	// Agreements reads agreements and updates their additions (billing).
	Agreements *AgreementsService
}

// credentials sit behind a pointer so that printing a Client (or any struct
// embedding one) shows an address, never the keys.
type credentials struct {
	companyID  string
	publicKey  string
	privateKey string
	clientID   string
	accept     string
	auth       string
}

type service struct{ client *Client }

// NewClient validates cfg and returns a client. No request is made until the
// first call; the codebase is discovered then if cfg.Codebase is empty.
func NewClient(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	origin, _ := NormalizeSite(cfg.Site)
	version := cfg.APIVersion
	if version == "" {
		version = DefaultAPIVersion
	}
	cb := cfg.Codebase
	if cb != "" && !strings.HasSuffix(cb, "/") {
		cb += "/"
	}
	settings := withAPI(httpx.Resolve(defaultSettings, opts...))
	settings.TransientRead = databaseTimeout
	c := &Client{
		hc:     httpx.New(settings),
		origin: origin,
		cred: &credentials{
			companyID:  cfg.CompanyID,
			publicKey:  cfg.PublicKey,
			privateKey: cfg.PrivateKey,
			clientID:   cfg.ClientID,
			accept:     "application/vnd.connectwise.com+json; version=" + version,
			auth:       "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.CompanyID+"+"+cfg.PublicKey+":"+cfg.PrivateKey)),
		},
		codebase: cb,
		fixed:    cb != "",
		now:      time.Now,
	}
	c.b = &apiclient.Backend{
		HC:         c.hc,
		API:        "connectwise",
		Base:       c.baseURL,
		Auth:       psaAuth{c},
		Accept:     c.cred.accept,
		ParseError: parseError,
		Secrets:    c.secrets,
	}
	c.common.client = c
	c.System = (*SystemService)(&c.common)
	c.Members = (*MembersService)(&c.common)
	c.SecurityRoles = (*SecurityRolesService)(&c.common)
	c.Boards = (*BoardsService)(&c.common)
	c.Priorities = (*PrioritiesService)(&c.common)
	c.Companies = (*CompaniesService)(&c.common)
	c.Tickets = (*TicketsService)(&c.common)
	c.Agreements = (*AgreementsService)(&c.common)
	return c, nil
}

// String identifies the client without any credential.
func (c *Client) String() string {
	return fmt.Sprintf("connectwise.Client{site:%s company:%s}", c.origin, c.cred.companyID)
}

// GoString makes %#v as safe as %v.
func (c *Client) GoString() string { return c.String() }

// Site returns the API origin the client talks to ("https://api-na.myconnectwise.net").
func (c *Client) Site() string { return c.origin }

// CompanyID returns the company identifier the client logs in with
// (Config.CompanyID): with Site, it names the PSA tenant, for example to key
// locks and shared rate budgets.
func (c *Client) CompanyID() string { return c.cred.companyID }

// Throttled returns how many 429 answers the client has received; useful in
// reports of long syncs.
func (c *Client) Throttled() int64 { return c.hc.Throttled() }

// secrets are what error text is scrubbed of: the private key, the whole
// Authorization value and its bare base64 (a proxy may quote either), and
// the public key.
func (c *Client) secrets() []string {
	return []string{c.cred.privateKey, c.cred.auth, strings.TrimPrefix(c.cred.auth, "Basic "), c.cred.publicKey}
}

// Response wraps the HTTP response with the paging links the PSA sent.
type Response struct {
	*http.Response
	// FirstPage, PrevPage, NextPage and LastPage come from the Link header
	// of page-number paging; 0 when absent (NextPage is 0 on the last page).
	FirstPage, PrevPage, NextPage, LastPage int
	// NextPageID is the pageId of the next forward-only page; 0 on the last.
	NextPageID int

	next *url.URL // the resolved rel="next" target, nil when none
}

// newResponse reads the paging links. The Link header is parsed per RFC
// 8288 (apiclient.ParseLinks: commas inside a URL, any case), targets are
// resolved against the request URL (a relative link is legal), and page
// and pageId are read case-insensitively, as the PSA itself reads them.
func newResponse(r *http.Response) *Response {
	resp := &Response{Response: r}
	var base *url.URL
	if r.Request != nil {
		base = r.Request.URL
	}
	for rel, target := range apiclient.Links(r.Header) {
		u := apiclient.ResolveLink(base, target)
		if u == nil {
			continue
		}
		q := u.Query()
		page, _ := strconv.Atoi(apiclient.QueryValue(q, "page"))
		switch rel {
		case "first":
			resp.FirstPage = page
		case "prev":
			resp.PrevPage = page
		case "next":
			resp.next = u
			resp.NextPage = page
			resp.NextPageID, _ = strconv.Atoi(apiclient.QueryValue(q, "pageId"))
		case "last":
			resp.LastPage = page
		}
	}
	return resp
}

// hasLinkHeader reports whether the answer carried a Link header at all,
// empty included: the PSA ends a forward-only walk with an empty one and
// sends none where the endpoint ignores forward-only (connectwise/WIREFACTS.md §1,
// from christaylorcodes/ConnectWiseManageAPI Invoke-CWMAllResult.ps1
// L18-23).
func (r *Response) hasLinkHeader() bool {
	_, ok := r.Header[http.CanonicalHeaderKey("Link")]
	return ok
}

// baseURL returns origin + codebase + "apis/3.0/", discovering the codebase
// on first use.
func (c *Client) baseURL(ctx context.Context) (string, error) {
	c.mu.Lock()
	cb := c.codebase
	c.mu.Unlock()
	if cb == "" {
		var err error
		if cb, err = c.discover(ctx, ""); err != nil {
			return "", err
		}
	}
	return c.origin + "/" + cb + "apis/3.0/", nil
}

// discover asks /login/companyinfo for the codebase. stale is the codebase
// that just failed; if another goroutine has already replaced it, that
// answer is used without asking again.
func (c *Client) discover(ctx context.Context, stale string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.codebase != "" && c.codebase != stale {
		return c.codebase, nil
	}
	info, err := c.companyInfo(ctx)
	if err != nil {
		return "", err
	}
	cb := info.Codebase
	if cb == "" {
		return "", fmt.Errorf("connectwise: site %s returned no codebase for company %q", c.origin, c.cred.companyID)
	}
	if !strings.HasSuffix(cb, "/") {
		cb += "/"
	}
	c.codebase = cb
	return cb, nil
}

func (c *Client) companyInfo(ctx context.Context) (*CompanyInfo, error) {
	// Discovery needs no credentials and has no codebase yet: it goes
	// through a backend of its own with the site as its base.
	b := *c.b
	b.Base, b.Auth, b.Accept = nil, nil, ""
	var info *CompanyInfo
	_, err := b.Do(ctx, &apiclient.Request{Method: http.MethodGet, URL: c.origin + "/login/companyinfo/" + url.PathEscape(c.cred.companyID), Route: "/login/companyinfo/{companyId}"}, &info)
	if err != nil {
		return nil, fmt.Errorf("connectwise: reaching site %s: %w", c.origin, err)
	}
	if info == nil {
		return nil, configError("CompanyID", fmt.Sprintf("company %q is not known to site %s", c.cred.companyID, c.origin))
	}
	return info, nil
}

// psaAuth signs requests with the API member's keys, and answers a 404
// that looks like a moved codebase by discovering it again (a cloud site
// moves to a new codebase with its releases, and the old path then
// answers 404: psa-wire-facts S6, connectwise/WIREFACTS.md N9).
type psaAuth struct{ c *Client }

func (a psaAuth) Authorize(_ context.Context, req *http.Request) error {
	req.Header.Set("Authorization", a.c.cred.auth)
	req.Header.Set("clientId", a.c.cred.clientID)
	return nil
}

// Renew is never called: psaAuth is an apiclient.BodyRenewer.
func (a psaAuth) Renew(context.Context, *http.Request, int) string { return "" }

// rediscoverEvery bounds how often 404s that are not the PSA's own trigger
// a codebase lookup that finds nothing new: a wrong path the caller keeps
// asking for must not double every request.
const rediscoverEvery = time.Minute

// RenewBody rediscovers the codebase on a 404 unless the body is the
// PSA's own "record not found" ({"code":"NotFound","message":"Ticket 5
// not found"}, connectwise/WIREFACTS.md §6 from N7/N8): that 404 comes from the
// codebase in use, so asking /login/companyinfo again would only double
// the cost of every missing record. Any other 404 (an HTML or empty page
// from IIS, a proxy) is checked against /login/companyinfo at most once
// per rediscoverEvery, and the request is sent again only when the
// codebase changed, as django-connectwise does (api.py L280-312).
func (a psaAuth) RenewBody(ctx context.Context, _ *http.Request, status int, body []byte) string {
	c := a.c
	if status != http.StatusNotFound || recordNotFound(body) {
		return ""
	}
	c.mu.Lock()
	stale, fixed := c.codebase, c.fixed
	recent := !c.fruitless.IsZero() && c.now().Sub(c.fruitless) < rediscoverEvery
	c.mu.Unlock()
	if fixed || recent {
		return ""
	}
	cb, err := c.discover(ctx, stale)
	if err == nil && cb != stale {
		return "HTTP 404: codebase rediscovered"
	}
	c.mu.Lock()
	c.fruitless = c.now()
	c.mu.Unlock()
	return ""
}

// recordNotFound reports the PSA's JSON 404 for a record or route that does
// not exist: {"code":"NotFound","message":...}.
func recordNotFound(body []byte) bool {
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	return json.Unmarshal(body, &e) == nil && strings.EqualFold(e.Code, "NotFound") && e.Message != ""
}

// databaseTimeout reports the PSA's 500 for a database timeout, which a
// read may simply ask again. Real bodies, recorded by pyconnectwise's
// maintainers (connectwise/WIREFACTS.md §5, N2 tests L35-37, L62-72), are HTTP 500 with
// code "ConnectWiseApi" and a message such as "A timeout has occured.
// Please try again." or SqlClient's "Timeout expired.  The timeout period
// elapsed prior to obtaining a connection from the pool..."; the rule is
// pyconnectwise's (connectwise_client.py L117-128): "timeout" in the
// message or the reason phrase, in any case. Other 500s ("Error converting
// value ...") are not transient. Only reads are ever asked about (see
// httpx.Settings.TransientRead).
func databaseTimeout(resp *http.Response, body []byte) bool {
	if resp.StatusCode != http.StatusInternalServerError {
		return false
	}
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e)
	reason := strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode)))
	return containsFold(e.Message, "timeout") || containsFold(reason, "timeout")
}

func containsFold(s, sub string) bool { return strings.Contains(strings.ToLower(s), sub) }

// request describes one API call before the codebase is known.
type request struct {
	method string
	path   string     // relative to apis/3.0/, e.g. "service/tickets"
	query  url.Values // may be nil
	body   any        // JSON-encoded when non-nil
	header http.Header
	route  string // observers' template; empty: derived from path
	// idempotent marks a request that is safe to repeat whatever its
	// method: a search POST only reads, a PATCH of replace/remove ops sets
	// the same values again.
	idempotent bool
	// read marks a request that changes nothing (a GET, a search POST):
	// it may be repeated after a PSA database timeout.
	read bool
}

// do sends r and decodes a 2xx body into v (when v is non-nil). An
// unexpected 404 with a discovered codebase triggers one re-discovery.
func (c *Client) do(ctx context.Context, r request, v any) (*Response, error) {
	var body any
	if r.body != nil {
		payload, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("connectwise: encoding %s body: %w", r.path, err)
		}
		if err := checkNoInvalidConditions(nil, payload); err != nil {
			return nil, err
		}
		body = json.RawMessage(payload)
	}
	if err := checkNoInvalidConditions(r.query, nil); err != nil {
		return nil, err
	}
	hr, err := c.b.Do(ctx, &apiclient.Request{Method: r.method, Path: r.path, Query: r.query, Body: body, Header: r.header, Route: r.route, Idempotent: r.idempotent || isSearch(r), Read: r.read || r.method == http.MethodGet || isSearch(r)}, v)
	if hr == nil {
		return nil, err
	}
	return newResponse(hr), err
}

// isSearch reports a POST .../search, the PSA's only POST that reads
// (whoever built it: a list, the generated Collection, Raw).
func isSearch(r request) bool {
	return r.method == http.MethodPost && strings.HasSuffix(strings.TrimSuffix(r.path, "/"), "/search")
}

// Raw sends a request to any API path (relative to apis/3.0/, e.g.
// "service/boards/5/teams") and decodes the JSON answer into v. It is the
// escape hatch for endpoints this package does not model; it still gets
// auth, retry, rate limiting and typed errors.
func (c *Client) Raw(ctx context.Context, method, path string, q url.Values, body, v any) (*Response, error) {
	return c.do(ctx, request{method: method, path: strings.TrimPrefix(path, "/"), query: q, body: body}, v)
}
