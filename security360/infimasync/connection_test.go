package infimasync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/internal/testnet"
	"github.com/psabridge/psabridge/security360/infimasync"
)

const goodKey = "k3y_abcdefghijklmnopqrstuvwxyz012345"

// diagnosis asserts err is a *ConnectionError with the cause and field.
func diagnosis(t *testing.T, err error, cause infimasync.Cause, field string) *infimasync.ConnectionError {
	t.Helper()
	var ce *infimasync.ConnectionError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v (%T), want *ConnectionError %s", err, err, cause)
	}
	if ce.Cause != cause || ce.Field != field {
		t.Fatalf("diagnosis = %s/%q (%v), want %s/%q", ce.Cause, ce.Field, ce, cause, field)
	}
	return ce
}

func TestConnectionSucceedsAgainstSimulator(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	p, err := infimasync.TestConnection(t.Context(), infimasync.Settings{ServerURL: srv.URL, APIKey: srv.APIKey()}, infimasync.AllowLoopback())
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Northwind Managed IT" {
		t.Errorf("partner = %q", p.Name)
	}
	if n := srv.CountRequests("", "/v1/partner"); n != 1 {
		t.Errorf("test connection made %d partner calls, want 1", n)
	}
}

// The offline checks run in the setup guide's order and never touch the
// network: the real server URL is used, and nothing may be dialled.
func TestConnectionOfflineDiagnoses(t *testing.T) {
	for _, tc := range []struct {
		name, url, key string
		opts           []infimasync.Option
		cause          infimasync.Cause
		field, advice  string
	}{
		{"http", "http://app.infimasecapis.com", goodKey, nil, infimasync.CauseURLNotHTTPS, "ServerURL", "not http://"},
		{"other scheme", "ftp://app.infimasecapis.com", goodKey, nil, infimasync.CauseURLNotHTTPS, "ServerURL", "https://"},
		{"http loopback not allowed", "http://127.0.0.1:8080", goodKey, nil, infimasync.CauseURLNotHTTPS, "ServerURL", "http://"},
		{"http allowed only on loopback", "http://infima.example", goodKey, []infimasync.Option{infimasync.AllowServerURL("http://infima.example")}, infimasync.CauseURLNotHTTPS, "ServerURL", "http://"},
		{"path", "https://app.infimasecapis.com/v1", goodKey, nil, infimasync.CauseURLNotExact, "ServerURL", "path"},
		{"no scheme", "app.infimasecapis.com", goodKey, nil, infimasync.CauseURLNotExact, "ServerURL", "https://"},
		{"typo in host", "https://app.infimasecapi.com", goodKey, nil, infimasync.CauseURLNotExact, "ServerURL", "not the INFIMA Reporting API server"},
		{"url whitespace", "https://app.infimasecapis.com ", goodKey, nil, infimasync.CauseURLNotExact, "ServerURL", "whitespace"},
		{"url empty", "", goodKey, nil, infimasync.CauseURLNotExact, "ServerURL", "empty"},
		{"credentials in url", "https://u:p@app.infimasecapis.com", goodKey, nil, infimasync.CauseURLNotExact, "ServerURL", "password"},
		{"url checked before key", "http://app.infimasecapis.com", " " + goodKey, nil, infimasync.CauseURLNotHTTPS, "ServerURL", "http"},
		{"key empty", infimasync.ServerURL, "", nil, infimasync.CauseKeyEmpty, "APIKey", "Reporting API"},
		{"key trailing space", infimasync.ServerURL, goodKey + " ", nil, infimasync.CauseKeyWhitespace, "APIKey", "has trailing whitespace (a space)"},
		{"key trailing newline", infimasync.ServerURL, goodKey + "\r\n", nil, infimasync.CauseKeyWhitespace, "APIKey", "has trailing whitespace (a line break)"},
		{"key leading tab", infimasync.ServerURL, "\t" + goodKey, nil, infimasync.CauseKeyWhitespace, "APIKey", "has leading whitespace (a tab)"},
		{"key both ends", infimasync.ServerURL, " " + goodKey + "\n", nil, infimasync.CauseKeyWhitespace, "APIKey", "leading whitespace (a space) and trailing whitespace (a line break)"},
		{"key only spaces", infimasync.ServerURL, "   ", nil, infimasync.CauseKeyWhitespace, "APIKey", "only whitespace"},
		{"key inner space", infimasync.ServerURL, "k3y abc", nil, infimasync.CauseKeyMalformed, "APIKey", "regenerate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel() // a check that reached the network would report the cancellation instead
			_, err := infimasync.TestConnection(ctx, infimasync.Settings{ServerURL: tc.url, APIKey: tc.key}, tc.opts...)
			ce := diagnosis(t, err, tc.cause, tc.field)
			if !strings.Contains(ce.Error(), tc.advice) {
				t.Errorf("message %q lacks %q", ce.Error(), tc.advice)
			}
			if strings.Contains(ce.Error(), goodKey) {
				t.Errorf("message leaks the key: %q", ce.Error())
			}
			// An offline diagnosis is a setting to fix, in the shape
			// every package shares.
			var cfg *bridge.ConfigError
			if !errors.As(err, &cfg) || cfg.API != "infimasync" || cfg.Field != tc.field || cfg.Problem != ce.Advice {
				t.Errorf("errors.As(*bridge.ConfigError) = %+v, want Field %s", cfg, tc.field)
			}
		})
	}
}

func TestValidateAcceptsThePublishedURLSpelledDifferently(t *testing.T) {
	for _, u := range []string{infimasync.ServerURL, infimasync.ServerURL + "/", "HTTPS://App.InfimaSecAPIs.com:443"} {
		if err := (infimasync.Settings{ServerURL: u, APIKey: goodKey}).Validate(); err != nil {
			t.Errorf("%q: %v", u, err)
		}
	}
	if err := (infimasync.Settings{ServerURL: "https://staging.infima.example", APIKey: goodKey}).Validate(infimasync.AllowServerURL("https://staging.infima.example/")); err != nil {
		t.Errorf("explicitly allowed server refused: %v", err)
	}
}

func TestConnectionDNSFailure(t *testing.T) {
	// .invalid never resolves (RFC 6761); the resolver answers at once.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	const u = "https://infima-sim.invalid"
	_, err := infimasync.TestConnection(ctx, infimasync.Settings{ServerURL: u, APIKey: goodKey},
		infimasync.AllowServerURL(u), infimasync.WithClientOptions(infima.WithRetry(0, time.Millisecond, time.Millisecond)))
	ce := diagnosis(t, err, infimasync.CauseDNS, "")
	if !strings.Contains(ce.Advice, "infima-sim.invalid") || !strings.Contains(ce.Advice, "allowlist") {
		t.Errorf("advice = %q", ce.Advice)
	}
}

func TestConnectionRefused(t *testing.T) {
	addr := testnet.ClosedAddr(t)
	for _, scheme := range []string{"https", "http"} {
		_, err := infimasync.TestConnection(t.Context(), infimasync.Settings{ServerURL: scheme + "://" + addr, APIKey: goodKey},
			infimasync.AllowLoopback(), infimasync.WithClientOptions(infima.WithRetry(1, time.Millisecond, time.Millisecond)))
		ce := diagnosis(t, err, infimasync.CauseRefused, "")
		if !strings.Contains(ce.Advice, "allowlist https://app.infimasecapis.com") {
			t.Errorf("advice = %q", ce.Advice)
		}
	}
}

func TestConnectionTimeout(t *testing.T) {
	addr := testnet.SilentAddr(t)
	start := time.Now()
	_, err := infimasync.TestConnection(t.Context(), infimasync.Settings{ServerURL: "http://" + addr, APIKey: goodKey},
		infimasync.AllowLoopback(), infimasync.WithClientOptions(infima.WithTimeout(100*time.Millisecond), infima.WithRetry(0, time.Millisecond, time.Millisecond)))
	diagnosis(t, err, infimasync.CauseTimeout, "")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %s", d)
	}
}

func TestConnectionTLSFailures(t *testing.T) {
	// A certificate nobody trusts, as a TLS-inspecting proxy presents.
	tlsSrv := httptest.NewUnstartedServer(nil)
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	_, err := infimasync.TestConnection(t.Context(), infimasync.Settings{ServerURL: tlsSrv.URL, APIKey: goodKey}, infimasync.AllowLoopback())
	ce := diagnosis(t, err, infimasync.CauseTLS, "")
	if !strings.Contains(ce.Advice, "not trusted") || !strings.Contains(ce.Advice, "allowlist") {
		t.Errorf("advice = %q", ce.Advice)
	}

	// https to a port that speaks plain HTTP.
	srv := infimatest.NewServer()
	defer srv.Close()
	_, err = infimasync.TestConnection(t.Context(), infimasync.Settings{ServerURL: strings.Replace(srv.URL, "http://", "https://", 1), APIKey: srv.APIKey()}, infimasync.AllowLoopback())
	diagnosis(t, err, infimasync.CauseTLS, "")
}

func TestConnectionKeyRejectedAfterRotation(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	old := srv.APIKey()
	fresh := srv.RotateKey()
	_, err := infimasync.TestConnection(t.Context(), infimasync.Settings{ServerURL: srv.URL, APIKey: old}, infimasync.AllowLoopback())
	ce := diagnosis(t, err, infimasync.CauseKeyRejected, "APIKey")
	if !errors.Is(err, infima.ErrKeyRejected) || !strings.Contains(ce.Advice, "regenerated") {
		t.Errorf("err = %v", err)
	}
	// A refused key is the server's verdict, not a malformed setting.
	if cfg := (*bridge.ConfigError)(nil); errors.As(err, &cfg) {
		t.Errorf("a rejected key reads as a ConfigError: %v", cfg)
	}
	if strings.Contains(err.Error(), old) {
		t.Error("diagnosis leaks the old key")
	}
	if _, err := infimasync.TestConnection(t.Context(), infimasync.Settings{ServerURL: srv.URL, APIKey: fresh}, infimasync.AllowLoopback()); err != nil {
		t.Errorf("the new key fails: %v", err)
	}
}

func TestConnectionUnexpectedAnswers(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	s := infimasync.Settings{ServerURL: srv.URL, APIKey: srv.APIKey()}
	srv.InjectStatus(403, 1)
	_, err := infimasync.TestConnection(t.Context(), s, infimasync.AllowLoopback())
	diagnosis(t, err, infimasync.CauseForbidden, "APIKey")

	srv.InjectStatus(500, 1)
	_, err = infimasync.TestConnection(t.Context(), s, infimasync.AllowLoopback())
	ce := diagnosis(t, err, infimasync.CauseUnexpectedResponse, "")
	if !strings.Contains(ce.Advice, "HTTP 500") {
		t.Errorf("advice = %q", ce.Advice)
	}

	srv.InjectFault(infimatest.Fault{Status: 200, Body: "<html>Blocked by policy</html>", Times: 1})
	_, err = infimasync.TestConnection(t.Context(), s, infimasync.AllowLoopback())
	diagnosis(t, err, infimasync.CauseUnexpectedResponse, "")

	srv.InjectStatus(429, 5) // one try and four throttle retries: every attempt is refused
	_, err = infimasync.TestConnection(t.Context(), s, infimasync.AllowLoopback(), infimasync.WithClientOptions(infima.WithMaxRetryAfter(time.Millisecond)))
	diagnosis(t, err, infimasync.CauseRateLimited, "")

	// A 503 answered once is retried, as a person clicking again would.
	srv.InjectStatus(503, 1)
	if _, err := infimasync.TestConnection(t.Context(), s, infimasync.AllowLoopback(), infimasync.WithClientOptions(infima.WithMaxRetryAfter(time.Millisecond))); err != nil {
		t.Errorf("one 503: %v", err)
	}
}

func TestConnectionCancelledIsNotADiagnosis(t *testing.T) {
	srv := infimatest.NewServer(infimatest.WithLatency(time.Minute))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := infimasync.TestConnection(ctx, infimasync.Settings{ServerURL: srv.URL, APIKey: srv.APIKey()}, infimasync.AllowLoopback())
	var ce *infimasync.ConnectionError
	if errors.As(err, &ce) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestSettingsNeverPrintTheKey(t *testing.T) {
	s := infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: goodKey}
	var buf bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		fmt.Fprintf(&buf, verb+"\n", s)
		fmt.Fprintf(&buf, verb+"\n", &s)
		fmt.Fprintf(&buf, verb+"\n", []infimasync.Settings{s})
	}
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("settings", "s", s)
	if strings.Contains(buf.String(), goodKey) {
		t.Fatalf("key printed:\n%s", buf.String())
	}
	if !strings.Contains(buf.String(), "[REDACTED]") || !strings.Contains(buf.String(), "app.infimasecapis.com") {
		t.Errorf("output:\n%s", buf.String())
	}
}

func TestSettingsNewClient(t *testing.T) {
	srv := infimatest.NewServer()
	defer srv.Close()
	c, err := infimasync.Settings{ServerURL: srv.URL, APIKey: srv.APIKey()}.NewClient(infimasync.AllowLoopback())
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != srv.URL {
		t.Errorf("BaseURL = %q, want %q", c.BaseURL(), srv.URL)
	}
	if _, _, err := c.Partner.Get(t.Context()); err != nil {
		t.Errorf("client built from settings: %v", err)
	}
	if _, err := (infimasync.Settings{ServerURL: srv.URL, APIKey: srv.APIKey()}).NewClient(); err == nil {
		t.Error("a loopback simulator was accepted without AllowLoopback")
	}
}
