package httpx_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

const (
	basicUser   = "acme+PubKey1234"
	basicPass   = "PrivKey-s3cr3t-value"
	apiKey      = "secret-api-key-0123456789"
	bearerToken = "tok-eyJhbGciOiJIUzI1NiJ9.payload.sig"
	querySecret = "qs-secret-987654"
)

var basicHeader = "Basic " + base64.StdEncoding.EncodeToString([]byte(basicUser+":"+basicPass))

// secretsIn lists every secret (or encoding of one) found in s.
func secretsIn(s string) []string {
	var found []string
	for _, sec := range []string{basicPass, basicUser + ":" + basicPass, basicHeader[len("Basic "):], apiKey, bearerToken, querySecret} {
		if strings.Contains(s, sec) {
			found = append(found, sec)
		}
	}
	return found
}

// echoingTransport fails with an error that quotes the request's
// credentials, as a careless proxy or custom transport might.
func echoingTransport(after error) step {
	return func(r *http.Request) (*http.Response, error) {
		return nil, fmt.Errorf("proxy said no to %s / %s / %s: %w",
			r.Header.Get("Authorization"), r.Header.Get("X-API-Key"), r.URL.RawQuery, after)
	}
}

func TestNoSecretInLogsOrErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		method   string
		attempts int
		auth     func(*http.Request)
		answer   step
	}{
		{"basic GET exhausted", http.MethodGet, 3, func(r *http.Request) { r.Header.Set("Authorization", basicHeader) }, echoingTransport(errReset)},
		{"api key POST outcome unknown", http.MethodPost, 1, func(r *http.Request) { r.Header.Set("X-API-Key", apiKey) }, echoingTransport(errReset)},
		{"bearer POST not sent", http.MethodPost, 3, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+bearerToken) }, echoingTransport(errRefused)},
		{"bearer GET status", http.MethodGet, 3, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+bearerToken) }, status(503)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var buf bytes.Buffer
				logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
				fs := script(tc.answer)
				c := newClient(fs, httpx.WithLogger(logger), httpx.WithRetry(2, time.Millisecond, time.Millisecond))
				req := newReq(t, t.Context(), tc.method, api+"/service/tickets?api_key="+querySecret+"&page=2", "{}")
				tc.auth(req)
				resp, err := c.Do(req)
				if resp != nil {
					resp.Body.Close()
				}
				if err != nil {
					if s := secretsIn(err.Error()); len(s) > 0 {
						t.Errorf("error leaks %q: %v", s, err)
					}
					var ou *httpx.OutcomeUnknownError
					if errors.As(err, &ou) {
						if s := secretsIn(ou.Err.Error()); len(s) > 0 {
							t.Errorf("OutcomeUnknownError.Err leaks %q", s)
						}
					}
					if !errors.Is(err, errReset) && !errors.Is(err, errRefused) {
						t.Errorf("redaction broke the error chain: %v", err)
					}
				}
				if s := secretsIn(buf.String()); len(s) > 0 {
					t.Errorf("log leaks %q:\n%s", s, buf.String())
				}
				lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
				if len(lines) != tc.attempts {
					t.Fatalf("want one log line per attempt (%d), got %d:\n%s", tc.attempts, len(lines), buf.String())
				}
				for i, line := range lines {
					for _, want := range []string{`"method":"` + tc.method + `"`, `"path":"/service/tickets"`, `"status":`, `"duration":`, fmt.Sprintf(`"attempt":%d`, i+1)} {
						if !strings.Contains(line, want) {
							t.Errorf("log line %d lacks %s: %s", i+1, want, line)
						}
					}
				}
			})
		})
	}
}

func TestNilLoggerLogsNothing(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	defer slog.SetDefault(prev)
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(503), fail(errReset), status(200))
		if code, _, err := do(t, newClient(fs), newReq(t, t.Context(), http.MethodGet, api+"/x", "")); err != nil || code != 200 {
			t.Fatalf("got %d, %v", code, err)
		}
	})
	if buf.Len() != 0 {
		t.Errorf("without a logger something still logged:\n%s", buf.String())
	}
}

func TestScrub(t *testing.T) {
	for _, tc := range []struct {
		in      string
		secrets []string
		want    string
	}{
		{"key=abcd1234 again abcd1234", []string{"abcd1234"}, "key=[REDACTED] again [REDACTED]"},
		{"short abc stays", []string{"abc", ""}, "short abc stays"},
		{"nothing", nil, "nothing"},
		{"a=longsecret b=othersecret", []string{"longsecret", "othersecret"}, "a=[REDACTED] b=[REDACTED]"},
	} {
		if got := httpx.Scrub(tc.in, tc.secrets...); got != tc.want {
			t.Errorf("Scrub(%q, %q) = %q, want %q", tc.in, tc.secrets, got, tc.want)
		}
	}
}

func TestRedactSecret(t *testing.T) {
	if httpx.RedactSecret("") != "" {
		t.Error("an empty secret must stay visibly empty")
	}
	if got := httpx.RedactSecret("hunter2"); got != httpx.Redacted {
		t.Errorf("RedactSecret = %q", got)
	}
}
