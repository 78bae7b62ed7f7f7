package infima_test

// Fuzz targets for what the infima client reads from the network: error
// responses (CheckResponse) and 200 bodies of every endpoint. CI runs the
// seeds (f.Add and testdata/fuzz/<Target>); search for new failures with
//
//	go test ./infima -run '^$' -fuzz '^FuzzCheckResponseINFIMA$' -fuzztime 20s

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/internal/testbody"
)

// fzKey is the API key the decoding fuzzer's client sends; no error may
// repeat it.
const fzKey = "fz-infima-key-0123456789abcdef"

// FuzzCheckResponseINFIMA proves CheckResponse turns any non-2xx status,
// body and Retry-After into an *infima.Error with that status that matches
// exactly the sentinel of its status, closes the body after reading at
// most MaxErrorBody (plus the bounded drain), and produces one line of
// valid UTF-8. A 2xx is left alone, unread.
func FuzzCheckResponseINFIMA(f *testing.F) {
	f.Add(401, []byte(`{"message":"Unauthorized"}`), "", uint32(0))
	f.Add(403, []byte(`{"Message":"scoped key"}`), "", uint32(0))
	f.Add(404, []byte(`{"detail":"client 9 not found"}`), "", uint32(0))
	f.Add(429, []byte(`{"error":"slow down"}`), "7", uint32(0))
	f.Add(503, []byte(`{"error":{"message":"maintenance"}}`), "Thu, 01 May 2025 12:00:05 GMT", uint32(0))
	f.Add(500, []byte(strings.Repeat("€", 120)), "", uint32(0))
	f.Add(502, []byte("<html>bad gateway</html>"), "-3", uint32(100<<10))
	f.Add(400, []byte("line one\nline two\t\ttabs"), "", uint32(2<<20))
	f.Add(200, []byte(`{"items":[]}`), "", uint32(0))
	f.Add(-1, []byte("\xff\xfe"), "\x00", uint32(1))
	f.Add(599, []byte(`{"error":42}`), "", uint32(0))
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string, pad uint32) {
		code := testbody.Status(status)
		b := testbody.New(body, int64(pad%(4<<20)))
		req, _ := http.NewRequest(http.MethodGet, infima.DefaultBaseURL+"/v1/clients?limit=50", nil)
		resp := &http.Response{StatusCode: code, Header: http.Header{"Retry-After": {retryAfter}}, Body: b, Request: req}
		err := infima.CheckResponse(resp)
		read, _, closed := b.State()
		if code >= 200 && code < 300 {
			if err != nil || read != 0 || closed {
				t.Fatalf("2xx: err %v, %d bytes read, closed %v; want nil and the body untouched", err, read, closed)
			}
			return
		}
		var e *infima.Error
		if !errors.As(err, &e) || e.StatusCode != code || e.Method != http.MethodGet || e.Path != "/v1/clients" {
			t.Fatalf("status %d: err = %#v; want *infima.Error for it", code, err)
		}
		if !closed || read > httpx.MaxErrorBody+testbody.DrainLimit {
			t.Fatalf("body closed %v after %d bytes; want closed within %d", closed, read, httpx.MaxErrorBody+testbody.DrainLimit)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", e.RetryAfter)
		}
		for sentinel, want := range map[error]int{infima.ErrKeyRejected: 401, infima.ErrForbidden: 403, infima.ErrNotFound: 404, infima.ErrRateLimited: 429} {
			if errors.Is(err, sentinel) != (code == want) {
				t.Fatalf("status %d: errors.Is(err, %v) = %v", code, sentinel, !(code == want))
			}
		}
		msg := err.Error()
		if strings.ContainsAny(e.Message, "\n\r\t") || len(e.Message) > 400 {
			t.Fatalf("message is not one short line: %q", e.Message)
		}
		if utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("valid UTF-8 body gave an invalid UTF-8 message: %q", msg)
		}
	})
}

// fzRoundTripper adapts a function to http.RoundTripper.
type fzRoundTripper func(*http.Request) (*http.Response, error)

func (f fzRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fzMaxCalls bounds how many requests one fuzz input may cause: a body
// claiming a huge total legitimately makes the iterators ask for more
// pages, so past this the server answers an empty page.
const fzMaxCalls = 12

// fzClient returns a client whose requests all get a 200 with body (an
// empty page once fzMaxCalls is spent), retries off, every body tracked.
func fzClient(t *testing.T, body []byte) (*infima.Client, func() []*testbody.Body) {
	t.Helper()
	var mu sync.Mutex
	var bodies []*testbody.Body
	rt := fzRoundTripper(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		b := testbody.New(body, 0)
		if len(bodies) >= fzMaxCalls {
			b = testbody.New([]byte(`{"items":[],"total":0}`), 0)
		}
		bodies = append(bodies, b)
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: b, Request: r}, nil
	})
	c, err := infima.NewClient(fzKey, infima.WithHTTPClient(&http.Client{Transport: rt}),
		infima.WithRateLimit(0, 1), infima.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []*testbody.Body {
		mu.Lock()
		defer mu.Unlock()
		return append([]*testbody.Body(nil), bodies...)
	}
}

// FuzzDecodeINFIMA proves that any 200 body on any endpoint (partner,
// clients, users, and the reports built from them) gives a value or an
// error, never a panic; that syntactically broken JSON is a *DecodeError;
// that no error repeats the key; and that every body is closed.
func FuzzDecodeINFIMA(f *testing.F) {
	f.Add([]byte(`{"id":1,"name":"Partner","email":"p@example.com"}`))
	f.Add([]byte(`{"items":[{"id":3,"name":"Acme"}],"total":1,"limit":50,"offset":0}`))
	f.Add([]byte(`{"items":[{"id":"u1","first_name":"A","email":"a@example.com","status":"active","training_on_track":true,"phishing_tests":[{"sent_at":"2024-05-01T00:00:00Z","outcome":"clicked","campaign":"automatic"}]}],"total":1}`))
	f.Add([]byte(`{"items":[{}],"total":1000000000}`))
	f.Add([]byte(`{"items":null}`))
	f.Add([]byte(`{"total":3}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Add([]byte(`{"items":[{"id":"x"}]`))
	f.Add([]byte(`<html>maintenance</html>`))
	f.Add([]byte(`{"items":[{"next_course":{"due":"yesterday"},"created_at":12}],"total":-5}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, bodies := fzClient(t, body)
		ctx := context.Background()
		check := func(what string, ok bool, err error) {
			t.Helper()
			if err == nil && !ok {
				t.Fatalf("%s: no value and no error for %q", what, body)
			}
			if err != nil && strings.Contains(err.Error(), fzKey) {
				t.Fatalf("%s: error repeats the API key: %v", what, err)
			}
			var raw json.RawMessage
			if json.NewDecoder(bytes.NewReader(body)).Decode(&raw) != nil {
				var de *infima.DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("%s: broken JSON %q gave %v, want *DecodeError", what, body, err)
				}
			}
		}
		p, _, err := c.Partner.Get(ctx)
		check("Partner.Get", p != nil, err)
		_, _, err = c.Clients.List(ctx, nil)
		check("Clients.List", true, err)
		_, _, err = c.Users.List(ctx, 3, nil)
		check("Users.List", true, err)
		n := 0
		for _, err := range c.Clients.All(ctx, nil) {
			if n++; err != nil || n > 3 {
				break
			}
		}
		co, _, err := c.Clients.Find(ctx, 3)
		check("Clients.Find", co != nil, err)
		n = 0
		for _, err := range c.Users.All(ctx, 3, nil) {
			if n++; err != nil || n > 6 {
				break
			}
		}
		for k, b := range bodies() {
			if _, _, closed := b.State(); !closed {
				t.Fatalf("response body %d not closed", k+1)
			}
		}
	})
}

// TestErrorExcerptNeverCutsThroughKey: CheckResponse clips a text error
// body to 300 bytes before the client scrubs the key from it, so a proxy
// page that echoes the X-API-Key header across the cut leaves the first
// part of the key in the error (and in every log line that prints it).
// The key must be scrubbed before the text is clipped.
func TestErrorExcerptNeverCutsThroughKey(t *testing.T) {
	for n := 280; n < 300; n++ {
		body := []byte(strings.Repeat("x", n) + " X-API-Key: " + fzKey)
		rt := fzRoundTripper(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusBadRequest, Body: testbody.New(body, 0), Request: r}, nil
		})
		c, err := infima.NewClient(fzKey, infima.WithHTTPClient(&http.Client{Transport: rt}), infima.WithRateLimit(0, 1))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Clients.List(context.Background(), nil)
		if err == nil || strings.Contains(err.Error(), fzKey[:8]) {
			t.Fatalf("error %q holds part of the key", err)
		}
	}
}
