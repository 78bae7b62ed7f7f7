package publicapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/security360"
)

// seen records what each client's options saw, so the test can tell that
// every client honours WithObserver, WithLimiter and WithUserAgent.
type seen struct {
	mu       sync.Mutex
	apis     map[string]int // attempts observed per API
	waits    map[string]int // limiter waits per API
	agents   map[string]bool
	failures []string
}

func (s *seen) observer(api string) func(bridge.Attempt) {
	return func(a bridge.Attempt) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if a.API != api || a.Route == "" || a.Attempt < 1 {
			s.failures = append(s.failures, fmt.Sprintf("%s observer got %+v", api, a))
		}
		s.apis[api]++
	}
}

// limiter counts waits per API; it never makes anyone wait.
type limiter struct {
	s   *seen
	api string
}

func (l limiter) Wait(context.Context) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.waits[l.api]++
	return nil
}
func (limiter) Throttled(time.Duration) {}
func (limiter) Succeeded()              {}

// calls makes one read through each client against srv, imports nothing
// but public packages, and returns the error.
func calls(srv *httptest.Server, s *seen) map[string]func(context.Context) error {
	fast := time.Millisecond
	return map[string]func(context.Context) error{
		"connectwise": func(ctx context.Context) error {
			c, err := connectwise.NewClient(connectwise.Config{Site: srv.URL, CompanyID: "acme", PublicKey: "pub12345", PrivateKey: "priv12345", ClientID: "0b5b1c3e-0000-4000-8000-000000000000", Codebase: "v2025_1/"},
				connectwise.WithRetry(0, fast, fast), connectwise.WithMaxRetryAfter(fast), connectwise.WithTimeout(time.Minute),
				connectwise.WithObserver(s.observer("connectwise")), connectwise.WithLimiter(limiter{s, "connectwise"}), connectwise.WithUserAgent("probe/connectwise"))
			if err != nil {
				return err
			}
			_, _, err = c.System.Info(ctx)
			return err
		},
		"heimdal": func(ctx context.Context) error {
			c, err := heimdal.NewClient("heimdal-key-123", heimdal.WithBaseURL(srv.URL), heimdal.WithRetry(0, fast, fast), heimdal.WithMaxRetryAfter(fast), heimdal.WithTimeout(time.Minute),
				heimdal.WithObserver(s.observer("heimdal")), heimdal.WithLimiter(limiter{s, "heimdal"}), heimdal.WithUserAgent("probe/heimdal"))
			if err != nil {
				return err
			}
			_, _, err = c.Customers.List(ctx, "1", nil)
			return err
		},
		"infima": func(ctx context.Context) error {
			c, err := infima.NewClient("infima-key-123", infima.WithBaseURL(srv.URL), infima.WithRetry(0, fast, fast), infima.WithMaxRetryAfter(fast), infima.WithTimeout(time.Minute),
				infima.WithObserver(s.observer("infima")), infima.WithLimiter(limiter{s, "infima"}), infima.WithUserAgent("probe/infima"))
			if err != nil {
				return err
			}
			_, _, err = c.Partner.Get(ctx)
			return err
		},
		"security360": func(ctx context.Context) error {
			c, err := security360.NewClient(security360.Credentials{ClientID: "asio-client", ClientSecret: "asio-secret-123"},
				security360.WithBaseURL(srv.URL), security360.WithRetry(0, fast, fast), security360.WithMaxRetryAfter(fast), security360.WithTimeout(time.Minute),
				security360.WithObserver(s.observer("security360")), security360.WithLimiter(limiter{s, "security360"}), security360.WithUserAgent("probe/security360"))
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
func server(t *testing.T, status int, s *seen) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.agents[r.UserAgent()] = true
		s.mu.Unlock()
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
	s := &seen{apis: map[string]int{}, waits: map[string]int{}, agents: map[string]bool{}}
	for name, call := range calls(server(t, http.StatusTooManyRequests, s), s) {
		err := call(ctx)
		var rl *bridge.RateLimitError
		var api *bridge.APIError
		if !errors.As(err, &rl) || rl.Wait != 7*time.Second {
			t.Errorf("%s 429: %v; want *bridge.RateLimitError waiting 7s", name, err)
		}
		if !errors.As(err, &api) || api.StatusCode != 429 || api.API != name {
			t.Errorf("%s 429: %v; want *bridge.APIError{API: %q, StatusCode: 429}", name, err, name)
		}
		p := predicates[name]
		if wait, ok := p.retryAfter(err); !ok || wait != 7*time.Second || !p.rateLimited(err) {
			t.Errorf("%s 429: %s.RetryAfter = %v, %v; IsRateLimited = %v", name, name, wait, ok, p.rateLimited(err))
		}
	}
	for name, call := range calls(server(t, http.StatusNotFound, s), s) {
		err := call(ctx)
		var api *bridge.APIError
		p := predicates[name]
		if !errors.As(err, &api) || api.StatusCode != 404 || !p.notFound(err) || p.rateLimited(err) || p.outcomeUnknown(err) {
			t.Errorf("%s 404: %v; want *bridge.APIError with %s.IsNotFound", name, err, name)
		}
	}
	for name, call := range calls(server(t, http.StatusForbidden, s), s) {
		if err := call(ctx); !predicates[name].forbidden(err) || predicates[name].unauthorized(err) {
			t.Errorf("%s 403: %v; want %s.IsForbidden", name, err, name)
		}
	}
	for name, call := range calls(server(t, http.StatusUnauthorized, s), s) {
		if err := call(ctx); !predicates[name].unauthorized(err) {
			t.Errorf("%s 401: %v; want %s.IsUnauthorized", name, err, name)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.failures {
		t.Error(f)
	}
	for name := range predicates {
		if s.apis[name] < 4 || s.waits[name] < 4 || !s.agents["probe/"+name] {
			t.Errorf("%s: observer saw %d attempts, limiter %d waits, user agent seen %v; want every attempt and the agent", name, s.apis[name], s.waits[name], s.agents["probe/"+name])
		}
	}
}

// predicates are each client's own re-exports of the bridge predicates.
var predicates = map[string]struct {
	notFound, unauthorized, forbidden, rateLimited, outcomeUnknown func(error) bool
	retryAfter                                                     func(error) (time.Duration, bool)
}{
	"connectwise": {connectwise.IsNotFound, connectwise.IsUnauthorized, connectwise.IsForbidden, connectwise.IsRateLimited, connectwise.IsOutcomeUnknown, connectwise.RetryAfter},
	"heimdal":     {heimdal.IsNotFound, heimdal.IsUnauthorized, heimdal.IsForbidden, heimdal.IsRateLimited, heimdal.IsOutcomeUnknown, heimdal.RetryAfter},
	"infima":      {infima.IsNotFound, infima.IsUnauthorized, infima.IsForbidden, infima.IsRateLimited, infima.IsOutcomeUnknown, infima.RetryAfter},
	"security360": {security360.IsNotFound, security360.IsUnauthorized, security360.IsForbidden, security360.IsRateLimited, security360.IsOutcomeUnknown, security360.RetryAfter},
}

// TestVersionIsSemVer keeps Version a plain MAJOR.MINOR.PATCH, the form the
// CHANGELOG's headings and the User-Agent use.
func TestVersionIsSemVer(t *testing.T) {
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(bridge.Version) {
		t.Errorf("bridge.Version = %q, want MAJOR.MINOR.PATCH", bridge.Version)
	}
}

// TestDefaultUserAgentNamesVersion proves every client, given no
// WithUserAgent, identifies itself as psabridge-go/<Version> on every
// request it sends (the Asio token request included).
func TestDefaultUserAgentNamesVersion(t *testing.T) {
	var mu sync.Mutex
	agents := map[string]string{} // path -> User-Agent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents[r.URL.Path] = r.UserAgent()
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/v1/token"):
			_, _ = w.Write([]byte(`{"access_token":"tok-123456","token_type":"Bearer","expires_in":3600}`))
		case strings.HasSuffix(r.URL.Path, "/system/info"):
			_, _ = w.Write([]byte(`{"version":"v2025.1","isCloud":true}`))
		case strings.HasSuffix(r.URL.Path, "/v1/partner"):
			_, _ = w.Write([]byte(`{"id":1,"name":"Partner"}`))
		default:
			_, _ = w.Write([]byte(`[]`))
		}
	}))
	defer srv.Close()
	fast := time.Millisecond
	ctx := t.Context()
	cw, err := connectwise.NewClient(connectwise.Config{Site: srv.URL, CompanyID: "acme", PublicKey: "pub12345", PrivateKey: "priv12345", ClientID: "0b5b1c3e-0000-4000-8000-000000000000", Codebase: "v2025_1/"},
		connectwise.WithRetry(0, fast, fast))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := cw.System.Info(ctx); err != nil {
		t.Fatal(err)
	}
	hd, err := heimdal.NewClient("heimdal-key-123", heimdal.WithBaseURL(srv.URL), heimdal.WithRetry(0, fast, fast))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := hd.Customers.List(ctx, "1", nil); err != nil {
		t.Fatal(err)
	}
	in, err := infima.NewClient("infima-key-123", infima.WithBaseURL(srv.URL), infima.WithRetry(0, fast, fast))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := in.Partner.Get(ctx); err != nil {
		t.Fatal(err)
	}
	s3, err := security360.NewClient(security360.Credentials{ClientID: "asio-client", ClientSecret: "asio-secret-123"},
		security360.WithBaseURL(srv.URL), security360.WithRetry(0, fast, fast))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := s3.Companies.List(ctx, nil); err != nil {
		t.Fatal(err)
	}

	want := "psabridge-go/" + bridge.Version
	mu.Lock()
	defer mu.Unlock()
	if len(agents) < 5 {
		t.Fatalf("saw requests to %v; want the four clients' calls and the Asio token", agents)
	}
	for path, ua := range agents {
		if ua != want {
			t.Errorf("%s: User-Agent %q, want %q", path, ua, want)
		}
	}
}
