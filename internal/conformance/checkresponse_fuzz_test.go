package conformance_test

// One fuzz target for what every client reads from an error response: all
// four CheckResponse functions run on the shared request layer's error
// path with a vendor hook for the body, so the same input must give each
// the same guarantees, and the table adds what each vendor promises on top.
// CI runs the seeds (f.Add and testdata/fuzz/FuzzCheckResponse, which holds
// the four clients' former corpora); search for new failures with
//
//	go test ./internal/conformance -run '^$' -fuzz '^FuzzCheckResponse$' -fuzztime 20s

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/internal/testbody"
	"github.com/psabridge/psabridge/security360"
)

// fzSecret is the credential every CheckResponse is given to scrub; no
// error text may contain it or a piece of it.
const fzSecret = "PRIV-KEY-sup3rs3cret"

// fzCheck is one client's CheckResponse and what it promises beyond the
// shared rules.
type fzCheck struct {
	name string
	// url is the request the response answers; path is the Error.Path
	// the client reports for it.
	url, path string
	check     func(*http.Response, ...string) error
	// extra checks a non-2xx outcome; nil when the shared rules are all.
	extra func(t *testing.T, code int, e *bridge.APIError, err error, took time.Duration)
}

// oneShortLine fails unless every s is one line of at most 400 bytes.
func oneShortLine(t *testing.T, ss ...string) {
	t.Helper()
	for _, s := range ss {
		if strings.ContainsAny(s, "\n\r\t") || len(s) > 400 {
			t.Fatalf("not one short line: %q", s)
		}
	}
}

// fzChecks is indexed by the fuzzer's api byte (modulo its length); the
// order is fixed because the corpus names clients by index.
var fzChecks = []fzCheck{
	{
		name:  "connectwise",
		url:   "https://api-na.myconnectwise.net/v2025_1/apis/3.0/service/tickets?conditions=x",
		path:  "/v2025_1/apis/3.0/service/tickets",
		check: connectwise.CheckResponse,
	},
	{
		name:  "heimdal",
		url:   heimdal.DefaultBaseURL + "/customers?customerId=1",
		path:  "/api/heimdalapi/customers",
		check: heimdal.CheckResponse,
		// A 401 explains which key to check: Heimdal's own text does not.
		extra: func(t *testing.T, code int, e *bridge.APIError, _ error, _ time.Duration) {
			if code == http.StatusUnauthorized && e.Message != heimdal.MessageKeyRejected {
				t.Fatalf("401 message %q, want the key-rejected explanation", e.Message)
			}
		},
	},
	{
		name:  "infima",
		url:   infima.DefaultBaseURL + "/v1/clients?limit=50",
		path:  "/v1/clients",
		check: infima.CheckResponse,
		// The error matches exactly the sentinel of its status, and its
		// message is one short line.
		extra: func(t *testing.T, code int, e *bridge.APIError, err error, _ time.Duration) {
			for sentinel, want := range map[error]int{infima.ErrKeyRejected: 401, infima.ErrForbidden: 403, infima.ErrNotFound: 404, infima.ErrRateLimited: 429} {
				if errors.Is(err, sentinel) != (code == want) {
					t.Fatalf("status %d: errors.Is(err, %v) = %v", code, sentinel, code != want)
				}
			}
			oneShortLine(t, e.Message)
		},
	},
	{
		name:  "security360",
		url:   security360.DefaultBaseURL + "/api/platform/v1/company/companies?limit=100",
		path:  "/api/platform/v1/company/companies",
		check: security360.CheckResponse,
		// Code and Message are one short line each, and deeply nested error
		// objects stay fast. Generous: a 64 KiB body parses in well under a
		// millisecond; this only catches work that grows with the square of
		// the body.
		extra: func(t *testing.T, _ int, e *bridge.APIError, _ error, took time.Duration) {
			oneShortLine(t, e.Code, e.Message)
			if took > 2*time.Second {
				t.Fatalf("CheckResponse took %v", took)
			}
		},
	},
}

// FuzzCheckResponse proves every client's CheckResponse turns any non-2xx
// status, body and Retry-After into an *Error (the one bridge.APIError)
// with that status, method and path; wraps it in a *RateLimitError with a
// wait >= 0 exactly for a 429; closes the body after reading at most
// MaxErrorBody (plus the bounded drain); never repeats the secret it was
// given, or a piece of it; and keeps a valid UTF-8 body valid (no rune cut
// in half by the excerpt). A 2xx is left alone, unread.
func FuzzCheckResponse(f *testing.F) {
	const psa, hd, inf, asio = 0, 1, 2, 3
	// The PSA's error shapes, and the secret echoed whole and across the cut.
	f.Add(uint8(psa), 400, []byte(`{"code":"InvalidObject","message":"ticket object is invalid","errors":[{"code":"NullValue","message":"summary may not be empty","resource":"ticket","field":"summary"}]}`), "", uint32(0))
	f.Add(uint8(psa), 401, []byte(`{"code":"Unauthorized","message":"key `+fzSecret+` rejected"}`), "", uint32(0))
	f.Add(uint8(psa), 429, []byte(`{"error":"ConnectWiseAPI","message":"Rate limit exceeded"}`), "3", uint32(0))
	f.Add(uint8(psa), 503, []byte(`<html><body>Service Unavailable</body></html>`), "Thu, 01 May 2025 12:00:05 GMT", uint32(0))
	f.Add(uint8(psa), 500, []byte(strings.Repeat("€", 100)), "", uint32(0))
	f.Add(uint8(psa), 502, []byte(`{"message":`), "-1", uint32(200<<10))
	f.Add(uint8(psa), 404, []byte(``), "", uint32(3<<20))
	f.Add(uint8(psa), 200, []byte(`[]`), "", uint32(0))
	f.Add(uint8(psa), -7, []byte("\xff\xfe\x00"), "\x00", uint32(1))
	f.Add(uint8(psa), 400, []byte(`{"code":"bad key `+fzSecret+`","errors":[{"code":"`+fzSecret+`","field":"`+fzSecret+`","resource":"`+fzSecret+`"}]}`), "", uint32(0))
	f.Add(uint8(psa), 502, []byte(strings.Repeat("x", 190)+" "+fzSecret+" proxy"), "", uint32(0))
	// Heimdal's .NET shapes and a 429 with an HTTP date.
	f.Add(uint8(hd), 401, []byte(`{"Message":"Authorization has been denied for this request."}`), "", uint32(0))
	f.Add(uint8(hd), 400, []byte(`{"message":"customerId is required"}`), "", uint32(0))
	f.Add(uint8(hd), 429, []byte(`{"error":"too many requests"}`), "30", uint32(0))
	f.Add(uint8(hd), 429, []byte(``), "Thu, 01 May 2025 12:00:05 GMT", uint32(0))
	f.Add(uint8(hd), 500, []byte(strings.Repeat("€", 100)), "", uint32(0))
	f.Add(uint8(hd), 502, []byte("<html>bad gateway</html>"), "", uint32(100<<10))
	f.Add(uint8(hd), 503, []byte(`{"error_description":"  maintenance  "}`), "-1", uint32(2<<20))
	f.Add(uint8(hd), 200, []byte(`{"items":[]}`), "", uint32(0))
	f.Add(uint8(hd), -9, []byte("\xff\xfe"), "\x00", uint32(1))
	// INFIMA's sentinels and multi-line text.
	f.Add(uint8(inf), 401, []byte(`{"message":"Unauthorized"}`), "", uint32(0))
	f.Add(uint8(inf), 403, []byte(`{"Message":"scoped key"}`), "", uint32(0))
	f.Add(uint8(inf), 404, []byte(`{"detail":"client 9 not found"}`), "", uint32(0))
	f.Add(uint8(inf), 429, []byte(`{"error":"slow down"}`), "7", uint32(0))
	f.Add(uint8(inf), 503, []byte(`{"error":{"message":"maintenance"}}`), "Thu, 01 May 2025 12:00:05 GMT", uint32(0))
	f.Add(uint8(inf), 500, []byte(strings.Repeat("€", 120)), "", uint32(0))
	f.Add(uint8(inf), 400, []byte("line one\nline two\t\ttabs"), "", uint32(2<<20))
	f.Add(uint8(inf), 502, []byte("<html>bad gateway</html>"), "-3", uint32(100<<10))
	f.Add(uint8(inf), 200, []byte(`{"items":[]}`), "", uint32(0))
	f.Add(uint8(inf), -1, []byte("\xff\xfe"), "\x00", uint32(1))
	f.Add(uint8(inf), 599, []byte(`{"error":42}`), "", uint32(0))
	// Asio's platform and OAuth shapes, and a deeply nested object.
	f.Add(uint8(asio), 400, []byte(`{"code":"InvalidRequest","message":"limit must be at most 100"}`), "", uint32(0))
	f.Add(uint8(asio), 401, []byte(`{"error":"invalid_token","error_description":"expired"}`), "", uint32(0))
	f.Add(uint8(asio), 403, []byte(`{"errorCode":403,"title":"Forbidden","detail":"scope"}`), "", uint32(0))
	f.Add(uint8(asio), 404, []byte(`{"error":{"code":"NotFound","message":"no such site"}}`), "", uint32(0))
	f.Add(uint8(asio), 500, []byte(strings.Repeat("€", 120)), "", uint32(0))
	f.Add(uint8(asio), 502, []byte("<html>bad gateway</html>"), "", uint32(100<<10))
	f.Add(uint8(asio), 200, []byte(`{"data":[]}`), "", uint32(0))
	f.Add(uint8(asio), 503, []byte(`{"message":"same","code":"same"}`), "", uint32(2<<20))
	f.Add(uint8(asio), 422, []byte(strings.Repeat(`{"code":`, 300)+`"x"`+strings.Repeat(`}`, 300)), "", uint32(0))
	f.Add(uint8(asio), -3, []byte("\xff\xfe"), "", uint32(1))
	f.Fuzz(func(t *testing.T, api uint8, status int, body []byte, retryAfter string, pad uint32) {
		c := fzChecks[int(api)%len(fzChecks)]
		code := testbody.Status(status)
		b := testbody.New(body, int64(pad%(4<<20)))
		req, _ := http.NewRequest(http.MethodGet, c.url, nil)
		resp := &http.Response{StatusCode: code, Header: http.Header{"Retry-After": {retryAfter}}, Body: b, Request: req}
		start := time.Now()
		err := c.check(resp, fzSecret)
		took := time.Since(start)
		read, _, closed := b.State()
		if code >= 200 && code < 300 {
			if err != nil || read != 0 || closed {
				t.Fatalf("%s 2xx: err %v, %d bytes read, closed %v; want nil and the body untouched", c.name, err, read, closed)
			}
			return
		}
		var e *bridge.APIError
		if !errors.As(err, &e) || e.StatusCode != code || e.Method != http.MethodGet || e.Path != c.path {
			t.Fatalf("%s status %d: err = %#v; want its *Error for it", c.name, code, err)
		}
		var ra *bridge.RateLimitError
		if errors.As(err, &ra) != (code == http.StatusTooManyRequests) || (ra != nil && ra.Wait < 0) || e.RetryAfter < 0 {
			t.Fatalf("%s status %d: err = %#v; want a *RateLimitError with a wait >= 0 exactly for 429", c.name, code, err)
		}
		if !closed || read > httpx.MaxErrorBody+testbody.DrainLimit {
			t.Fatalf("%s: body closed %v after %d bytes; want closed within %d", c.name, closed, read, httpx.MaxErrorBody+testbody.DrainLimit)
		}
		msg := err.Error()
		if strings.Contains(msg, fzSecret) {
			t.Fatalf("%s: error repeats the secret: %s", c.name, msg)
		}
		// Nor a piece of it, such as the first half left when the excerpt
		// cuts through the secret (unless the body had that piece on its
		// own, or JSON escapes hide what it holds).
		if frag := fzSecret[:8]; strings.Contains(msg, frag) && bytes.Count(body, []byte(frag)) == bytes.Count(body, []byte(fzSecret)) && !bytes.ContainsRune(body, '\\') {
			t.Fatalf("%s: error repeats part of the secret: %s", c.name, msg)
		}
		if utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("%s: valid UTF-8 body gave an invalid UTF-8 message: %q", c.name, msg)
		}
		if c.extra != nil {
			c.extra(t, code, e, err, took)
		}
	})
}
