package infima

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-querystring/query"

	"github.com/psabridge/psabridge/internal/apiclient"
	"github.com/psabridge/psabridge/internal/credcheck"
	"github.com/psabridge/psabridge/internal/httpx"
)

// DefaultBaseURL is the Reporting API server every INFIMA partner uses; it is
// also the "Server URL" the Security 360 integration asks for.
const DefaultBaseURL = "https://app.infimasecapis.com"

const (
	// DefaultLimit is the page size the server uses when limit is omitted.
	DefaultLimit = 20
	// MaxLimit is the largest page the Reporting API serves. The client never
	// sends more: larger values in list options are clamped to it.
	MaxLimit = 50
)

// apiKeyHeader carries the Reporting API key on every request.
const apiKeyHeader = "X-API-Key"

//go:generate go run ../internal/clientgen infima

// Client talks to the INFIMA Reporting API. It is safe for concurrent use.
// Printing a Client with any fmt verb shows the server and a redacted key.
type Client struct {
	// Partner reads the partner account (GET /v1/partner).
	Partner *PartnerService
	// Clients lists the partner's client companies (GET /v1/clients).
	Clients *ClientsService
	// Users lists a client's users (GET /v1/clients/{id}/users).
	Users *UsersService

	hc   *httpx.Client
	b    *apiclient.Backend
	base *url.URL
	// key is a closure: fmt prints a func as an address under every verb,
	// whereas a pointer to a struct is followed by %s and %q when it
	// cannot call the pointer's methods (an unexported field).
	key func() string
}

// service is the shared base of every XService.
type service struct{ client *Client }

// NewClient returns a client that authenticates with the Reporting API key (Partner menu →
// Settings → Integrations → Reporting API in INFIMA). The key and the base
// URL are checked without touching the network; problems come back as a
// *ConfigError naming the field. Use Partner.Get or TestConnection to check
// the key against the server.
func NewClient(key string, opts ...Option) (*Client, error) {
	if err := ValidateAPIKey(key); err != nil {
		return nil, err
	}
	s := httpx.Resolve(defaultSettings, opts...)
	base, err := ParseBaseURL(s.baseURL())
	if err != nil {
		return nil, err
	}
	s.BaseURL = base.String()
	// The key must never follow a redirect to another host.
	s.SensitiveHeaders = append(append([]string(nil), s.SensitiveHeaders...), apiKeyHeader)
	c := &Client{hc: httpx.New(s.Settings), base: base, key: func() string { return key }}
	root := strings.TrimSuffix(base.String(), "/")
	c.b = &apiclient.Backend{
		HC:         c.hc,
		API:        "infima",
		Base:       func(context.Context) (string, error) { return root, nil },
		Auth:       apiclient.HeaderAuth{Header: apiKeyHeader, Key: c.key},
		ParseError: parseError,
	}
	c.Partner = &PartnerService{client: c}
	c.Clients = &ClientsService{client: c}
	c.Users = &UsersService{client: c}
	return c, nil
}

// BaseURL returns the server the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// Throttled returns how many 429 answers the client has received; useful in
// reports of long syncs.
func (c *Client) Throttled() int64 { return c.hc.Throttled() }

// String describes the client without its key.
func (c *Client) String() string {
	if c == nil {
		return "infima.Client(nil)"
	}
	return fmt.Sprintf("infima.Client{BaseURL:%q, APIKey:%s}", c.BaseURL(), httpx.Redacted)
}

// GoString is String: %#v must not dump the key either.
func (c *Client) GoString() string { return c.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %q...) print String, so no
// formatting path reaches the key. Its value receiver covers a copied
// Client too: %s of a copy would otherwise follow the key's pointer.
func (c Client) Format(f fmt.State, verb rune) {
	s := c.String()
	if verb == 'q' {
		s = fmt.Sprintf("%q", s)
	}
	_, _ = io.WriteString(f, s)
}

// ValidateAPIKey checks a Reporting API key without contacting INFIMA. It
// catches the usual paste mistakes (empty, surrounding spaces or a line
// break) and never echoes the key.
func ValidateAPIKey(key string) error {
	return credcheck.SecretSetting("infima", "APIKey", key, "is empty: copy the Reporting API key from INFIMA (Partner menu → Settings → Integrations → Reporting API)")
}

// ParseBaseURL checks a server URL: https with no path, query or
// credentials, as in DefaultBaseURL. Plain http is accepted only for
// loopback hosts so that simulators work; a real server must be https.
func ParseBaseURL(raw string) (*url.URL, error) {
	return credcheck.BaseURLSetting("infima", raw, false, "use "+DefaultBaseURL)
}

// Response wraps the HTTP response of one call and, for list calls, the
// paging facts the iterators use.
type Response struct {
	*http.Response
	// Total is the number of objects across all pages, as the server reports
	// it in the paging object (list calls only).
	Total int
	// Offset and Limit describe the page that was requested.
	Offset, Limit int
	// NextOffset is where the next page starts; 0 when this page was the last.
	NextOffset int
}

// ListOptions page through a list. Zero values let the server decide
// (limit 20, offset 0).
type ListOptions struct {
	// Limit is the page size, 1 to MaxLimit; larger values are clamped.
	Limit int `url:"limit,omitempty"`
	// Offset is the index of the first object to return.
	Offset int `url:"offset,omitempty"`
}

// normalized returns the options as they go on the wire: limit clamped to
// what the server accepts, offset never negative.
func (o ListOptions) normalized() ListOptions {
	if o.Limit > MaxLimit {
		o.Limit = MaxLimit
	}
	if o.Limit < 0 {
		o.Limit = 0
	}
	if o.Offset < 0 {
		o.Offset = 0
	}
	return o
}

// page is the paging object the Reporting API wraps lists in. Items stays
// raw so that a missing key (not a paging object) can be told from null (an
// empty page); Total is a pointer so a server that omits it can be told
// from an empty list.
type page struct {
	Items  json.RawMessage `json:"items"`
	Total  *int            `json:"total"`
	Limit  *int            `json:"limit"`
	Offset *int            `json:"offset"`
}

// get sends a GET for path with opts encoded by go-querystring and decodes
// the 2xx body into v.
func (c *Client) get(ctx context.Context, path string, opts any, v any) (*Response, error) {
	var q url.Values
	if opts != nil {
		var err error
		if q, err = query.Values(opts); err != nil {
			return nil, fmt.Errorf("infima: encoding query for %s: %w", path, err)
		}
	}
	hr, err := c.b.Do(ctx, &apiclient.Request{Method: http.MethodGet, Path: path, Query: q}, v)
	if hr == nil {
		return nil, err
	}
	return &Response{Response: hr}, err
}

// list fetches one page of a paged endpoint and fills in the paging facts.
func list[T any](ctx context.Context, c *Client, path string, opts any, lo ListOptions) ([]T, *Response, error) {
	var p page
	resp, err := c.get(ctx, path, opts, &p)
	if err != nil {
		return nil, resp, err
	}
	endpoint := "GET " + path
	if len(p.Items) == 0 {
		// A 200 without "items" is not a paging object; treating it as an
		// empty list would silently hide every record.
		return nil, resp, &DecodeError{API: "infima", Endpoint: endpoint, Err: errors.New(`response has no "items" array`)}
	}
	var items []T
	if err := json.Unmarshal(p.Items, &items); err != nil {
		return nil, resp, &DecodeError{API: "infima", Endpoint: endpoint, Err: err}
	}
	resp.Offset = lo.Offset
	resp.Limit = lo.Limit
	if p.Limit != nil && *p.Limit > 0 {
		resp.Limit = *p.Limit
	}
	if resp.Limit == 0 {
		resp.Limit = DefaultLimit
	}
	n := len(items)
	next := lo.Offset + n
	switch {
	case n == 0:
		next = 0
	case p.Total != nil:
		resp.Total = *p.Total
		if next >= *p.Total {
			next = 0
		}
	default:
		resp.Total = next
		if n < resp.Limit {
			next = 0
		}
	}
	resp.NextOffset = next
	return items, resp, nil
}

// walk yields every item of a paged endpoint, one page at a time, starting
// at start.Offset. It asks for MaxLimit per page unless start says
// otherwise, because fewer round trips matter more than page size here.
func walk[T any](start ListOptions, fetch func(ListOptions) ([]T, *Response, error)) iter.Seq2[T, error] {
	lo := start.normalized()
	if lo.Limit == 0 {
		lo.Limit = MaxLimit
	}
	// Offsets start at 0, the end-of-list position, so the walk counts
	// positions from 1.
	return apiclient.Walk("infima", lo.Offset+1, func(at int) ([]T, int, error) {
		lo.Offset = at - 1
		items, resp, err := fetch(lo)
		if err != nil || resp.NextOffset <= lo.Offset {
			return items, 0, err
		}
		return items, resp.NextOffset + 1, nil
	})
}
