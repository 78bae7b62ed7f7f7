package security360

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/psabridge/psabridge/internal/credcheck"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

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
	return "", &ConfigError{"Region", fmt.Sprintf("unknown Asio region %q (known: na, eu, au)", region)}
}

// defaults are deliberately conservative: the only figure found for the
// platform API is a quota of about 500 requests per five minutes (≈1.7/s),
// and a key that asks for many tokens at once is reported to be locked
// (HTTP 423).
var defaults = httpx.Settings{
	RatePerSecond: 1.5,
	Burst:         5,
	MaxRetries:    3,
	RetryWaitMin:  time.Second,
	RetryWaitMax:  30 * time.Second,
	MaxRetryAfter: 60 * time.Second,
	Timeout:       60 * time.Second,
}

// Option configures a Client.
type Option = httpx.Option

// WithBaseURL points the client at another server, such as the
// security360test simulator or a regional server (BaseURLEurope).
func WithBaseURL(u string) Option { return httpx.WithBaseURL(u) }

// WithHTTPClient supplies the underlying *http.Client; its Transport is
// wrapped, never replaced.
func WithHTTPClient(hc *http.Client) Option { return httpx.WithHTTPClient(hc) }

// WithRateLimit sets the client-side rate (requests per second, <= 0 for
// none) and burst. The default is 1.5/s with a burst of 5.
func WithRateLimit(perSecond float64, burst int) Option {
	return httpx.WithRateLimit(perSecond, burst)
}

// WithRetry sets how often a retryable request is re-sent and the backoff
// bounds.
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return httpx.WithRetry(maxRetries, minWait, maxWait)
}

// WithMaxRetryAfter caps how long a server's Retry-After is honoured.
func WithMaxRetryAfter(d time.Duration) Option { return httpx.WithMaxRetryAfter(d) }

// WithTimeout bounds each attempt.
func WithTimeout(d time.Duration) Option { return httpx.WithTimeout(d) }

// WithLogger sends one debug record per HTTP attempt to l (method, path,
// status, attempt, duration; never headers or bodies).
func WithLogger(l *slog.Logger) Option { return httpx.WithLogger(l) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return httpx.WithUserAgent(ua) }

// Client talks to the Asio platform API. It obtains and caches an OAuth2
// token itself and is safe for concurrent use.
type Client struct {
	hc      *httpx.Client
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
	s := httpx.Resolve(defaults, opts...)
	raw := s.BaseURL
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := normalizeBaseURL(raw)
	if err != nil {
		return nil, err
	}
	creds := cfg
	p := newPacer(time.Now)
	s.HTTPClient = p.client(s.HTTPClient) // observes Limit/Remaining/Reset on every attempt
	c := &Client{
		pacer:   p,
		hc:      httpx.New(s),
		base:    base.String(),
		baseURL: base,
		creds:   &creds,
	}
	c.tokens = newTokenSource(c.fetchToken, time.Now)
	c.common.client = c
	c.Companies = (*CompaniesService)(&c.common)
	c.Sites = (*SitesService)(&c.common)
	return c, nil
}

// normalizeBaseURL accepts an https URL (or plain http to a loopback
// address, for simulators) with an optional path prefix.
func normalizeBaseURL(raw string) (*url.URL, error) {
	u, problem := credcheck.BaseURL(raw, true)
	if problem != "" {
		return nil, &ConfigError{"BaseURL", problem + " (for example " + DefaultBaseURL + ")"}
	}
	return u, nil
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
	if next := parseNextLink(r.Header.Values("Link")); next != "" && r.Request != nil {
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
func (c *Client) do(ctx context.Context, method, rawURL string, body any, v any) (*Response, error) {
	if ctx == nil {
		return nil, fmt.Errorf("security360: %s: nil context", method)
	}
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("security360: encoding %s body: %w", method, err)
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, method, rawURL, bytesReader(payload))
		if err != nil {
			return nil, fmt.Errorf("security360: %s: %w", method, err)
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+tok)
		if payload != nil {
			ct := "application/json"
			if method == http.MethodPatch {
				ct = "application/json-patch+json"
			}
			req.Header.Set("Content-Type", ct)
		}
		if err := c.pacer.wait(ctx, familyOf(req.URL.Path)); err != nil {
			return nil, err
		}
		hr, err := c.hc.Do(req)
		if err != nil {
			return nil, c.scrubErr(err, tok)
		}
		if hr.StatusCode == http.StatusUnauthorized && attempt == 0 {
			httpx.DrainClose(hr.Body)
			c.tokens.Invalidate(tok)
			continue
		}
		resp := c.newResponse(hr)
		if err := c.checkResponse(hr, tok); err != nil {
			return resp, err
		}
		defer httpx.DrainClose(hr.Body)
		if v == nil || hr.StatusCode == http.StatusNoContent {
			return resp, nil
		}
		if err := decodeJSON(hr.Body, v); err != nil {
			return resp, fmt.Errorf("security360: %s %s: decoding response: %w", method, req.URL.Path, err)
		}
		return resp, nil
	}
}

// bytesReader returns nil for an empty body so GET requests carry none.
func bytesReader(b []byte) io.Reader {
	if b == nil {
		return nil
	}
	return bytes.NewReader(b)
}

// maxBody bounds a successful response; the largest expected is a partner's
// full company or site list.
const maxBody = 32 << 20

// decodeJSON decodes a bounded body; an empty body decodes to the zero value.
func decodeJSON(r io.Reader, v any) error {
	data, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	if err != nil {
		return err
	}
	if len(data) > maxBody {
		return fmt.Errorf("response larger than %d bytes", maxBody)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	return json.Unmarshal(data, v)
}

// scrubErr keeps the secret and the token out of transport errors; they
// never travel in URLs, so this is defence in depth.
func (c *Client) scrubErr(err error, tok string) error {
	msg := err.Error()
	if clean := httpx.Scrub(msg, c.creds.ClientSecret, tok); clean != msg {
		return &scrubbedError{msg: clean, err: err}
	}
	return err
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
