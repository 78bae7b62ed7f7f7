package httpx_test

import (
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

// redirector answers the first request with a 302 to location and every
// later one with 200.
func redirector(location string) *fakeServer {
	return script(status(http.StatusFound, "Location", location), status(http.StatusOK))
}

func redirectClient(fs *fakeServer) *httpx.Client {
	return httpx.New(httpx.Resolve(httpx.Settings{SensitiveHeaders: []string{"clientId"}},
		httpx.WithHTTPClient(&http.Client{Transport: fs}), httpx.WithRateLimit(0, 0), httpx.WithRetry(3, time.Millisecond, time.Millisecond)))
}

func credentialedReq(t *testing.T, url string) *http.Request {
	req := newReq(t, t.Context(), http.MethodGet, url, "")
	req.Header.Set("Authorization", "Basic Y29tcGFueStwdWI6cHJpdmF0ZQ==")
	req.Header.Set("Cookie", "session=abcdef")
	req.Header.Set("X-API-Key", "key-123456")
	req.Header.Set("clientId", "0f4c2f5e-client")
	req.Header.Set("Accept", "application/json")
	return req
}

var credentialHeaders = []string{"Authorization", "Cookie", "X-Api-Key", "Clientid"}

func TestRedirectToOtherHostDropsCredentials(t *testing.T) {
	for _, target := range []string{
		"https://evil.example.net/steal",
		"https://sub.api-na.myconnectwise.net/x",  // net/http would keep Authorization for a subdomain
		"https://api-na.myconnectwise.net:8443/x", // another port is another origin
	} {
		synctest.Test(t, func(t *testing.T) {
			fs := redirector(target)
			code, _, err := do(t, redirectClient(fs), credentialedReq(t, api+"/start"))
			if err != nil || code != 200 || fs.count() != 2 {
				t.Fatalf("got %d, %v after %d requests", code, err, fs.count())
			}
			hop := fs.get(1)
			for _, h := range credentialHeaders {
				if v := hop.header.Get(h); v != "" {
					t.Errorf("redirect to %s carried %s: %q", target, h, v)
				}
			}
			if hop.header.Get("Accept") == "" || hop.header.Get("User-Agent") == "" {
				t.Errorf("ordinary headers lost on redirect: %v", hop.header)
			}
		})
	}
}

func TestRedirectSameHostKeepsCredentials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := redirector("/v4_6_release/apis/3.0/elsewhere")
		code, _, err := do(t, redirectClient(fs), credentialedReq(t, api+"/start"))
		if err != nil || code != 200 || fs.count() != 2 {
			t.Fatalf("got %d, %v after %d requests", code, err, fs.count())
		}
		first, hop := fs.get(0), fs.get(1)
		for _, h := range credentialHeaders {
			if hop.header.Get(h) != first.header.Get(h) || hop.header.Get(h) == "" {
				t.Errorf("same-host redirect: %s = %q, want %q", h, hop.header.Get(h), first.header.Get(h))
			}
		}
	})
}

func TestRedirectHTTPSToHTTPRefused(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		synctest.Test(t, func(t *testing.T) {
			fs := script(status(http.StatusTemporaryRedirect, "Location", "http://api-na.myconnectwise.net/start"), status(200))
			req := credentialedReq(t, api+"/start")
			req.Method = method
			_, _, err := do(t, redirectClient(fs), req)
			if err == nil || !strings.Contains(err.Error(), "refusing redirect from https to plain http") {
				t.Fatalf("%s: err = %v, want the downgrade refused", method, err)
			}
			if httpx.IsOutcomeUnknown(err) {
				t.Errorf("%s: the server answered with a redirect; the outcome is not unknown", method)
			}
			// Refusing is permanent: asking again would get the same redirect.
			if fs.count() != 1 {
				t.Errorf("%s: %d requests, want 1 (no retries, no plain-http hop)", method, fs.count())
			}
		})
	}
}

func TestRedirectLoopStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(http.StatusFound, "Location", "/again"))
		_, _, err := do(t, redirectClient(fs), credentialedReq(t, api+"/start"))
		if err == nil || !strings.Contains(err.Error(), "stopped after 5 redirects") {
			t.Fatalf("err = %v", err)
		}
		if fs.count() != 5 {
			t.Errorf("%d requests, want 5 and no retry of the loop", fs.count())
		}
	})
}
