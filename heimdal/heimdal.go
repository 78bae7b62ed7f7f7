package heimdal

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/psabridge/psabridge/internal/apiclient"
	"github.com/psabridge/psabridge/internal/credcheck"
	"github.com/psabridge/psabridge/internal/httpx"
)

// DefaultBaseURL is Heimdal's public API root. Paths such as
// /2.0/activeclients are appended to it.
const DefaultBaseURL = "https://dashboard.heimdalsecurity.com/api/heimdalapi"

//go:generate go run ../internal/clientgen heimdal

// Client talks to the Heimdal API. It is safe for concurrent use. Its printed
// forms (%v, %+v, %#v, %s) never show the API key.
type Client struct {
	hc   *httpx.Client
	b    *apiclient.Backend
	base *url.URL
	// key returns the API key. A closure, not a string field, because fmt
	// prints a func as an address under every verb, even through reflection
	// on a containing struct.
	key func() string
	// alerts are the CyberAlerts and M365 endpoints (alertpaths.go).
	alerts AlertPaths

	common service

	// Customers lists the customers a (reseller) key can see.
	Customers *CustomersService
	// Devices lists active clients and their notifications (Heimdal Operations).
	Devices *DevicesService
	// CyberAlerts lists the email alerts of the Accounts section (Heimdal Cyber Alerts).
	CyberAlerts *CyberAlertsService
	// M365 lists the alerts of the M365 User Security section (Heimdal M365 Notifications).
	M365 *M365Service
}

// service is embedded by every XService so they share the client.
type service struct{ client *Client }

// NewClient returns a client authenticating with apiKey, the key generated in
// the Heimdal Dashboard. The key is checked for obvious mistakes (empty,
// surrounding whitespace) before any call; a *ConfigError names the setting.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	if err := checkKey(apiKey); err != nil {
		return nil, err
	}
	s := httpx.Resolve(defaultSettings, opts...)
	base, err := checkBaseURL(s.baseURL())
	if err != nil {
		return nil, err
	}
	root := base.String()
	c := &Client{hc: httpx.New(s.Settings), base: base, key: func() string { return apiKey }, alerts: s.alertPaths()}
	c.b = &apiclient.Backend{
		HC:            c.hc,
		API:           "heimdal",
		Base:          func(context.Context) (string, error) { return root, nil },
		Auth:          apiclient.HeaderAuth{Header: "Authorization", Scheme: "Bearer ", Key: c.key},
		ParseError:    parseError,
		RelativePaths: true,
	}
	c.common.client = c
	c.Customers = (*CustomersService)(&c.common)
	c.Devices = (*DevicesService)(&c.common)
	c.CyberAlerts = (*CyberAlertsService)(&c.common)
	c.M365 = (*M365Service)(&c.common)
	return c, nil
}

// checkKey catches the usual paste mistakes without echoing the key.
func checkKey(k string) error {
	return credcheck.SecretSetting("heimdal", "APIKey", k, "is empty: generate a key in the Heimdal Dashboard (Guide → API Key)")
}

// checkBaseURL accepts https (http only to loopback) with a path prefix
// such as /api/heimdalapi.
func checkBaseURL(raw string) (*url.URL, error) {
	return credcheck.BaseURLSetting("heimdal", raw, true, "for example "+DefaultBaseURL)
}

// BaseURL returns the API root the client calls.
func (c *Client) BaseURL() string { return c.base.String() }

// String describes the client without its key. Value receivers make a
// copied Client print the same way as a *Client.
func (c Client) String() string {
	if c.base == nil || c.key == nil {
		return "heimdal.Client{}"
	}
	return fmt.Sprintf("heimdal.Client{BaseURL: %q, APIKey: %s}", c.base.String(), httpx.RedactSecret(c.key()))
}

// GoString is String: the Go-syntax form would expose the key.
func (c Client) GoString() string { return c.String() }

// Format prints String under every verb, so no formatting path reaches the key.
func (c Client) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// Response wraps the HTTP response of one list call with Heimdal's paging
// information.
type Response struct {
	*http.Response
	// TotalCount is the server's count of matching items across all pages.
	TotalCount int
	// PageNumber and PageSize are the page this response holds, as requested.
	PageNumber, PageSize int
	// NextPage is the number of the next page, or 0 on the last page.
	NextPage int
}

// get sends one GET and decodes a 2xx JSON body into v.
func (c *Client) get(ctx context.Context, path string, q url.Values, v any) (*Response, error) {
	hr, err := c.b.Do(ctx, &apiclient.Request{Method: http.MethodGet, Path: path, Query: q}, v)
	if hr == nil {
		return nil, err
	}
	return &Response{Response: hr}, err
}
