package publicapi

import (
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
