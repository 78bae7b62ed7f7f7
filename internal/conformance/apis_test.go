package conformance_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/security360"
)

// Credentials of the table's clients; each looks random enough that any
// eight of its bytes in an error can only have come from the request.
const (
	exPSAPrivate  = "exPRIV-k3y-0123456789abcdef"
	exHeimdalKey  = "ex-heimdal-key-0123456789abcdef"
	exINFIMAKey   = "ex-infima-key-0123456789abcdef"
	exAsioSecret  = "ex-asio-secret-0123456789abcdef"
	exAsioToken   = "ex-asio-token-fedcba9876543210"
	exPSAPublic   = "PUBKEY12"
	exPSACompany  = "acme"
	exPSAClientID = "11111111-2222-3333-4444-555555555555"
)

// exEcho is a credential a proxy page repeats, after the text that
// introduces it ("Authorization: Basic ").
type exEcho struct{ intro, secret string }

// exCase is one API client as the error-path tests of this package drive
// it: over an in-memory transport, with one list call.
type exCase struct {
	name string
	// path is Error.Path for the list call.
	path string
	// rateBody is a 429 body in the API's own error shape, with the
	// message "slow down".
	rateBody string
	// retryAfter is the package's RetryAfter.
	retryAfter func(error) (time.Duration, bool)
	// cut is how many bytes of a plain-text error body the client keeps
	// in Error.Message.
	cut int
	// echoes are what a proxy page may repeat of the request: the
	// credential as a header carries it.
	echoes []exEcho
	// side answers the requests that come before the call under test
	// (PSA codebase discovery, Asio's token); ok is false for the call.
	side func(r *http.Request) (body []byte, ok bool)
	// call builds the client over rt, with retries quick retries and no
	// client-side rate limit, and makes one list call.
	call func(rt http.RoundTripper, retries int) error
}

// exOpts are every client's options (adapted with httpx.AdaptAll for the
// others): the transport under test, no client-side rate limit, and
// retries quick retries.
func exOpts(rt http.RoundTripper, retries int) []connectwise.Option {
	return []connectwise.Option{
		connectwise.WithHTTPClient(&http.Client{Transport: rt}),
		connectwise.WithRateLimit(0, 1),
		connectwise.WithRetry(retries, time.Millisecond, time.Millisecond),
	}
}

func exCases() []exCase {
	basic := base64.StdEncoding.EncodeToString([]byte(exPSACompany + "+" + exPSAPublic + ":" + exPSAPrivate))
	return []exCase{
		{
			name:       "connectwise",
			path:       "/v2025_1/apis/3.0/service/tickets",
			rateBody:   `{"error":"ConnectWiseAPI","message":"slow down"}`,
			retryAfter: connectwise.RetryAfter,
			cut:        200,
			echoes:     []exEcho{{"Authorization: Basic ", basic}, {"private key ", exPSAPrivate}},
			side: func(r *http.Request) ([]byte, bool) {
				return []byte(`{"Codebase":"v2025_1/"}`), strings.HasPrefix(r.URL.Path, "/login/")
			},
			call: func(rt http.RoundTripper, retries int) error {
				cfg := connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: exPSACompany, PublicKey: exPSAPublic, PrivateKey: exPSAPrivate, ClientID: exPSAClientID}
				c := hygMust(connectwise.NewClient(cfg, exOpts(rt, retries)...))
				_, _, err := c.Tickets.List(context.Background(), nil)
				return err
			},
		},
		{
			name:       "heimdal",
			path:       "/customers",
			rateBody:   `{"Message":"slow down"}`,
			retryAfter: heimdal.RetryAfter,
			cut:        200,
			echoes:     []exEcho{{"Bearer ", exHeimdalKey}},
			call: func(rt http.RoundTripper, retries int) error {
				c := hygMust(heimdal.NewClient(exHeimdalKey, httpx.AdaptAll[heimdal.Option](exOpts(rt, retries))...))
				_, _, err := c.Customers.List(context.Background(), "1", nil)
				return err
			},
		},
		{
			name:       "infima",
			path:       "/v1/clients",
			rateBody:   `{"message":"slow down"}`,
			retryAfter: infima.RetryAfter,
			cut:        300,
			echoes:     []exEcho{{"X-API-Key: ", exINFIMAKey}},
			call: func(rt http.RoundTripper, retries int) error {
				c := hygMust(infima.NewClient(exINFIMAKey, httpx.AdaptAll[infima.Option](exOpts(rt, retries))...))
				_, _, err := c.Clients.List(context.Background(), nil)
				return err
			},
		},
		{
			name:       "security360",
			path:       "/api/platform/v1/company/companies",
			rateBody:   `{"code":"TooManyRequests","message":"slow down"}`,
			retryAfter: security360.RetryAfter,
			cut:        300,
			// The secret only goes to the token endpoint, so the
			// request's headers do not reveal it: the client names it.
			echoes: []exEcho{{"Bearer ", exAsioToken}, {"client_secret=", exAsioSecret}},
			side: func(r *http.Request) ([]byte, bool) {
				return []byte(`{"access_token":"` + exAsioToken + `","token_type":"Bearer","expires_in":3600}`), strings.HasSuffix(r.URL.Path, "/v1/token")
			},
			call: func(rt http.RoundTripper, retries int) error {
				creds := security360.Credentials{ClientID: "ex-client-id", ClientSecret: exAsioSecret}
				c := hygMust(security360.NewClient(creds, httpx.AdaptAll[security360.Option](exOpts(rt, retries))...))
				_, _, err := c.Companies.List(context.Background(), nil)
				return err
			},
		},
	}
}

// exTransport answers the case's side requests with a 200 and every
// other request with status, body and header, counting those.
type exTransport struct {
	side   func(r *http.Request) ([]byte, bool)
	status int
	body   []byte
	header http.Header
	mu     sync.Mutex
	calls  int
}

func (t *exTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	status, body, h := t.status, t.body, t.header.Clone()
	if t.side != nil {
		if b, ok := t.side(r); ok {
			status, body, h = http.StatusOK, b, nil
		}
	}
	if status != http.StatusOK {
		t.mu.Lock()
		t.calls++
		t.mu.Unlock()
	}
	if h == nil {
		h = http.Header{}
	}
	h.Set("Content-Type", "application/json")
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(bytes.NewReader(body)), Request: r}, nil
}

// Calls returns how many requests got the error answer.
func (t *exTransport) Calls() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.calls
}
