package publicapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/security360"
)

// calls makes one read through each client against srv, imports nothing
// but public packages, and returns the error.
func calls(srv *httptest.Server) map[string]func(context.Context) error {
	fast := time.Millisecond
	return map[string]func(context.Context) error{
		"connectwise": func(ctx context.Context) error {
			c, err := connectwise.NewClient(connectwise.Config{Site: srv.URL, CompanyID: "acme", PublicKey: "pub12345", PrivateKey: "priv12345", ClientID: "0b5b1c3e-0000-4000-8000-000000000000", Codebase: "v2025_1/"},
				connectwise.WithRetry(0, fast, fast), connectwise.WithMaxRetryAfter(fast))
			if err != nil {
				return err
			}
			_, _, err = c.System.Info(ctx)
			return err
		},
		"heimdal": func(ctx context.Context) error {
			c, err := heimdal.NewClient("heimdal-key-123", heimdal.WithBaseURL(srv.URL), heimdal.WithRetry(0, fast, fast), heimdal.WithMaxRetryAfter(fast))
			if err != nil {
				return err
			}
			_, _, err = c.Customers.List(ctx, "1", nil)
			return err
		},
		"infima": func(ctx context.Context) error {
			c, err := infima.NewClient("infima-key-123", infima.WithBaseURL(srv.URL), infima.WithRetry(0, fast, fast), infima.WithMaxRetryAfter(fast))
			if err != nil {
				return err
			}
			_, _, err = c.Partner.Get(ctx)
			return err
		},
		"security360": func(ctx context.Context) error {
			c, err := security360.NewClient(security360.Credentials{ClientID: "asio-client", ClientSecret: "asio-secret-123"},
				security360.WithBaseURL(srv.URL), security360.WithRetry(0, fast, fast), security360.WithMaxRetryAfter(fast))
			if err != nil {
				return err
			}
			_, _, err = c.Companies.List(ctx, nil)
			return err
		},
	}
}

// server answers every API call with status (and Retry-After: 7), and
// hands out tokens for the Asio client.
func server(t *testing.T, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/v1/token") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"tok-123456","token_type":"Bearer","expires_in":3600}`))
			return
		}
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"code":"Refused","message":"no"}`))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestErrorsReachableWithErrorsAs proves every client's failures reach the
// one public vocabulary in package bridge: a 429 that outlived the retries
// is a *bridge.RateLimitError carrying the server's wait (Heimdal users
// could not read it before) around a *bridge.APIError, and a 404 is a
// *bridge.APIError the shared predicates recognise.
func TestErrorsReachableWithErrorsAs(t *testing.T) {
	ctx := context.Background()
	for name, call := range calls(server(t, http.StatusTooManyRequests)) {
		err := call(ctx)
		var rl *bridge.RateLimitError
		var api *bridge.APIError
		if !errors.As(err, &rl) || rl.Wait != 7*time.Second {
			t.Errorf("%s 429: %v; want *bridge.RateLimitError waiting 7s", name, err)
		}
		if !errors.As(err, &api) || api.StatusCode != 429 || api.API != name {
			t.Errorf("%s 429: %v; want *bridge.APIError{API: %q, StatusCode: 429}", name, err, name)
		}
		if wait, ok := bridge.RetryAfter(err); !ok || wait != 7*time.Second || !bridge.IsRateLimited(err) {
			t.Errorf("%s 429: RetryAfter = %v, %v; IsRateLimited = %v", name, wait, ok, bridge.IsRateLimited(err))
		}
	}
	for name, call := range calls(server(t, http.StatusNotFound)) {
		err := call(ctx)
		var api *bridge.APIError
		if !errors.As(err, &api) || api.StatusCode != 404 || !bridge.IsNotFound(err) || bridge.IsRateLimited(err) {
			t.Errorf("%s 404: %v; want *bridge.APIError with IsNotFound", name, err)
		}
	}
	for name, call := range calls(server(t, http.StatusForbidden)) {
		if err := call(ctx); !bridge.IsForbidden(err) || bridge.IsUnauthorized(err) {
			t.Errorf("%s 403: %v; want IsForbidden", name, err)
		}
	}
}
