package security360

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/internal/apiclient"
	"github.com/psabridge/psabridge/internal/credcheck"
	"github.com/psabridge/psabridge/internal/httpx"
)

// Regional API servers of the Asio platform. An API key belongs to one
// region and works only against that region's server.
const (
	// BaseURLNorthAmerica is the North American server.
	BaseURLNorthAmerica = "https://openapi.service.itsupport247.net"
	// BaseURLEurope is the European server.
	BaseURLEurope = "https://openapi.service.euplatform.connectwise.com"
	// BaseURLAustralia is the Australian server.
	BaseURLAustralia = "https://openapi.service.auplatform.connectwise.com"
	// DefaultBaseURL is used when no WithBaseURL option is given.
	DefaultBaseURL = BaseURLNorthAmerica
)

// RegionBaseURL maps a region label ("na", "eu", "au", case-insensitive) to
// its API server, for configuration screens that ask for a region.
func RegionBaseURL(region string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(region)) {
	case "na", "us":
		return BaseURLNorthAmerica, nil
	case "eu":
		return BaseURLEurope, nil
	case "au":
		return BaseURLAustralia, nil
	}
	return "", configError("Region", fmt.Sprintf("unknown Asio region %q (known: na, eu, au)", region))
}

//go:generate go run ../internal/clientgen security360

// Client talks to the Asio platform API. It obtains and caches an OAuth2
// token itself and is safe for concurrent use.
type Client struct {
	hc      *httpx.Client
	b       *apiclient.Backend
	base    string // origin plus optional path prefix, no trailing slash
	baseURL *url.URL
	creds   *Credentials // behind a pointer so the secret is never copied into printable values
	tokens  *tokenSource
	pacer   *pacer // per-family rate-limit windows (pacer.go)

	// siteLocks serialises read-modify-write updates of one site within
	// this client, so two SetExternalID calls cannot drop each other's entry.
	siteLocks sync.Map // string -> chan struct{}

	common service

	// Companies reads the partner's companies (clients).
	Companies *CompaniesService
	// Sites reads the sites of a company and records client mappings in
	// their externalIds.
	Sites *SitesService
}

type service struct{ client *Client }

// NewClient validates the credentials and the base URL and returns a
// Client. No request is made until the first call.
func NewClient(cfg Credentials, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := httpx.Resolve(defaultSettings, opts...)
	base, err := normalizeBaseURL(s.baseURL())
	if err != nil {
		return nil, err
	}
	creds := cfg
	p := newPacer(time.Now)
	s.HTTPClient = p.client(s.HTTPClient) // observes Limit/Remaining/Reset on every attempt
	c := &Client{
		pacer:   p,
		hc:      httpx.New(s.Settings),
		base:    base.String(),
		baseURL: base,
		creds:   &creds,
	}
	c.tokens = newTokenSource(c.fetchToken, time.Now)
	c.b = &apiclient.Backend{
		HC:         c.hc,
		API:        "security360",
		Auth:       oauth{c},
		ParseError: parseError,
		Secrets:    func() []string { return []string{c.creds.ClientSecret} },
	}
	c.common.client = c
	c.Companies = (*CompaniesService)(&c.common)
	c.Sites = (*SitesService)(&c.common)
	return c, nil
}

// normalizeBaseURL accepts an https URL (or plain http to a loopback
// address, for simulators) with an optional path prefix.
func normalizeBaseURL(raw string) (*url.URL, error) {
	return credcheck.BaseURLSetting("security360", raw, true, "for example "+DefaultBaseURL)
}

// BaseURL returns the server the client talks to.
func (c *Client) BaseURL() string { return c.base }

// String describes the client without its secret or token.
func (c *Client) String() string {
	if c == nil {
		return "security360.Client(nil)"
	}
	return fmt.Sprintf("security360.Client{BaseURL:%q ClientID:%q ClientSecret:%q}",
		c.base, c.creds.ClientID, httpx.RedactSecret(c.creds.ClientSecret))
}

// GoString makes %#v as safe as %v.
func (c *Client) GoString() string { return c.String() }

// Format makes every verb print the redacted form; without it %+v would
// reflect over the services and the token cache.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, c.String()) }

// Response wraps the last HTTP response of a call. Its body has already been
// read and closed, and the bearer token is removed from Response.Request.
type Response struct {
	*http.Response

	// NextURL is the next page named by the Link header (rel="next"); empty
	// on the last page, or when the server does not page. It is kept only
	// when it points at the client's own server, so the token is never sent
	// elsewhere.
	NextURL string
	// NextCursor is the cursor query parameter of NextURL, if any, for
	// callers that page with ListOptions.Cursor.
	NextCursor string
}

func (c *Client) newResponse(r *http.Response) *Response {
	// %+v of a Response would otherwise print the bearer token.
	resp := &Response{Response: r}
	resp.Request = httpx.WithoutCredentials(r.Request)
	if next := apiclient.Links(r.Header)["next"]; next != "" && r.Request != nil {
		if u, err := r.Request.URL.Parse(next); err == nil && u.Scheme == c.baseURL.Scheme && u.Host == c.baseURL.Host {
			resp.NextURL = u.String()
			resp.NextCursor = u.Query().Get("cursor")
		}
	}
	return resp
}

// url builds an API URL from escaped path segments joined by "/".
func (c *Client) url(segments []string, query url.Values) string {
	var b strings.Builder
	b.WriteString(c.base)
	for _, s := range segments {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(s))
	}
	if len(query) > 0 {
		b.WriteByte('?')
		b.WriteString(query.Encode())
	}
	return b.String()
}

// do sends one API call with a bearer token. A 401 means the token was
// revoked or expired early: the token is dropped and the call is sent once
// more with a fresh one (a 401 is refused unprocessed, so this is safe even
// for writes). body is JSON-encoded; v receives the decoded 2xx body.
func (c *Client) do(ctx context.Context, r *apiclient.Request, v any) (*Response, error) {
	if ctx == nil {
		return nil, fmt.Errorf("security360: %s: nil context", r.Method)
	}
	if r.Method == http.MethodPatch {
		r.ContentType = "application/json-patch+json"
	}
	hr, err := c.b.Do(ctx, r, v)
	if hr == nil {
		return nil, err
	}
	return c.newResponse(hr), err
}

// get is do for a GET of rawURL.
func (c *Client) get(ctx context.Context, rawURL string, v any) (*Response, error) {
	return c.do(ctx, &apiclient.Request{Method: http.MethodGet, URL: rawURL}, v)
}

// oauth authenticates with the cached client-credentials token and renews
// it once when the server refuses it.
type oauth struct{ c *Client }

// Authorize also holds the request while its resource family's quota is
// spent (pacer.go), so that requests wait for Reset instead of drawing 429s.
func (a oauth) Authorize(ctx context.Context, req *http.Request) error {
	if err := a.c.pacer.wait(ctx, familyOf(req.URL.Path)); err != nil {
		return err
	}
	tok, err := a.c.tokens.Token(ctx)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

func (a oauth) Renew(_ context.Context, req *http.Request, status int) string {
	if status != http.StatusUnauthorized {
		return ""
	}
	a.c.tokens.Invalidate(strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "))
	return "HTTP 401: token renewed"
}

// scrubErr keeps the secret out of token request errors: the secret travels
// in the body, which the transport's header redaction cannot know.
func (c *Client) scrubErr(err error) error {
	msg := err.Error()
	if clean := httpx.Scrub(msg, c.creds.ClientSecret); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

type scrubbedError struct {
	msg string
	err error
}

// Error returns the scrubbed text.
func (e *scrubbedError) Error() string { return e.msg }

// Unwrap keeps errors.Is working.
func (e *scrubbedError) Unwrap() error { return e.err }
