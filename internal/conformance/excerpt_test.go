package conformance_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/testbody"
	"github.com/psabridge/psabridge/security360"
)

// Credentials of the excerpt test's clients; each looks random enough that
// any eight of its bytes in an error can only have come from the request.
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

// exCase is one client in TestErrorExcerptNeverCutsThroughCredential.
type exCase struct {
	name string
	// cut is how many bytes of a plain-text error body the client keeps
	// in Error.Message.
	cut int
	// echoes are what a proxy page may repeat of the request: the
	// credential as a header carries it.
	echoes []exEcho
	// side answers the requests that come before the call under test
	// (PSA codebase discovery, Asio's token); ok is false for the call.
	side func(r *http.Request) (body []byte, ok bool)
	// call builds the client over rt and makes one list call.
	call func(rt http.RoundTripper) error
}

func exCases() []exCase {
	basic := base64.StdEncoding.EncodeToString([]byte(exPSACompany + "+" + exPSAPublic + ":" + exPSAPrivate))
	return []exCase{
		{
			name:   "connectwise",
			cut:    200,
			echoes: []exEcho{{"Authorization: Basic ", basic}, {"private key ", exPSAPrivate}},
			side: func(r *http.Request) ([]byte, bool) {
				return []byte(`{"Codebase":"v2025_1/"}`), strings.HasPrefix(r.URL.Path, "/login/")
			},
			call: func(rt http.RoundTripper) error {
				cfg := connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: exPSACompany, PublicKey: exPSAPublic, PrivateKey: exPSAPrivate, ClientID: exPSAClientID}
				c := hygMust(connectwise.NewClient(cfg, connectwise.WithHTTPClient(&http.Client{Transport: rt}), connectwise.WithRateLimit(0, 1)))
				_, _, err := c.Tickets.List(context.Background(), nil)
				return err
			},
		},
		{
			name:   "heimdal",
			cut:    200,
			echoes: []exEcho{{"Bearer ", exHeimdalKey}},
			call: func(rt http.RoundTripper) error {
				c := hygMust(heimdal.NewClient(exHeimdalKey, heimdal.WithHTTPClient(&http.Client{Transport: rt}), heimdal.WithRateLimit(0, 1)))
				_, _, err := c.Customers.List(context.Background(), "1", nil)
				return err
			},
		},
		{
			name:   "infima",
			cut:    300,
			echoes: []exEcho{{"X-API-Key: ", exINFIMAKey}},
			call: func(rt http.RoundTripper) error {
				c := hygMust(infima.NewClient(exINFIMAKey, infima.WithHTTPClient(&http.Client{Transport: rt}), infima.WithRateLimit(0, 1)))
				_, _, err := c.Clients.List(context.Background(), nil)
				return err
			},
		},
		{
			name: "security360",
			cut:  300,
			// The secret only goes to the token endpoint, so the
			// request's headers do not reveal it: the client names it.
			echoes: []exEcho{{"Bearer ", exAsioToken}, {"client_secret=", exAsioSecret}},
			side: func(r *http.Request) ([]byte, bool) {
				return []byte(`{"access_token":"` + exAsioToken + `","token_type":"Bearer","expires_in":3600}`), strings.HasSuffix(r.URL.Path, "/v1/token")
			},
			call: func(rt http.RoundTripper) error {
				creds := security360.Credentials{ClientID: "ex-client-id", ClientSecret: exAsioSecret}
				c := hygMust(security360.NewClient(creds, security360.WithHTTPClient(&http.Client{Transport: rt}), security360.WithRateLimit(0, 1)))
				_, _, err := c.Companies.List(context.Background(), nil)
				return err
			},
		},
	}
}

// TestErrorExcerptNeverCutsThroughCredential: each client keeps only the
// first cut bytes of a plain-text error body. Were the credential scrubbed
// after that cut, a proxy page echoing it across the cut would leave its
// first part in the error, where scrubbing no longer recognises it (and in
// every log line that prints the error). So the echo is placed to straddle
// the cut at every offset, and no eight bytes of the credential may
// survive.
func TestErrorExcerptNeverCutsThroughCredential(t *testing.T) {
	const window = 8
	for _, tc := range exCases() {
		t.Run(tc.name, func(t *testing.T) {
			for _, echo := range tc.echoes {
				// The secret starts at n+1+len(intro), so these n leave
				// len(secret)-1 down to 0 of its bytes before the cut.
				start := tc.cut - 1 - len(echo.intro) - len(echo.secret) + 1
				for n := start; n < start+len(echo.secret); n++ {
					body := []byte(strings.Repeat("x", n) + " " + echo.intro + echo.secret)
					rt := &testbody.Transport{Answer: func(_ int, r *http.Request) (int, []byte) {
						if tc.side != nil {
							if b, ok := tc.side(r); ok {
								return http.StatusOK, b
							}
						}
						return http.StatusBadRequest, body
					}}
					err := tc.call(rt)
					// The text must reach the error, or the case proves
					// nothing. (Scrubbed first, the echo is shorter than the
					// cut, so the kept text may end before it.)
					if err == nil || !strings.Contains(err.Error(), strings.Repeat("x", 100)) {
						t.Fatalf("a 400 with a text body gave %v", err)
					}
					for i := 0; i+window <= len(echo.secret); i++ {
						if piece := echo.secret[i : i+window]; strings.Contains(err.Error(), piece) {
							t.Fatalf("echo cut %d bytes in: error %q holds %q", tc.cut-n-1-len(echo.intro), err, piece)
						}
					}
				}
			}
		})
	}
}
