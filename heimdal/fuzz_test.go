package heimdal_test

// Fuzz targets for what the heimdal client reads from the network: error
// responses (CheckResponse) and 200 bodies of every list endpoint. CI runs
// the seeds (f.Add and testdata/fuzz/<Target>); search for new failures
// with
//
//	go test ./heimdal -run '^$' -fuzz '^FuzzCheckResponseHeimdal$' -fuzztime 20s

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/internal/testbody"
)

// fzKey is the API key the decoding fuzzer's client sends; no error may
// repeat it.
const fzKey = "fz-heimdal-key-0123456789abcdef"

// FuzzCheckResponseHeimdal proves CheckResponse turns any non-2xx status,
// body and Retry-After into a *heimdal.Error with that status (wrapped in
// *httpx.RetryAfterError with a non-negative wait for 429), closes the
// body after reading at most MaxErrorBody (plus the bounded drain), gives
// a 401 its explanatory message, and keeps a valid UTF-8 body valid (no
// rune cut in half by the excerpt). A 2xx is left alone, unread.
func FuzzCheckResponseHeimdal(f *testing.F) {
	f.Add(401, []byte(`{"Message":"Authorization has been denied for this request."}`), "", uint32(0))
	f.Add(400, []byte(`{"message":"customerId is required"}`), "", uint32(0))
	f.Add(429, []byte(`{"error":"too many requests"}`), "30", uint32(0))
	f.Add(429, []byte(``), "Thu, 01 May 2025 12:00:05 GMT", uint32(0))
	f.Add(500, []byte(strings.Repeat("€", 100)), "", uint32(0))
	f.Add(502, []byte("<html>bad gateway</html>"), "", uint32(100<<10))
	f.Add(503, []byte(`{"error_description":"  maintenance  "}`), "-1", uint32(2<<20))
	f.Add(200, []byte(`{"items":[]}`), "", uint32(0))
	f.Add(-9, []byte("\xff\xfe"), "\x00", uint32(1))
	f.Fuzz(func(t *testing.T, status int, body []byte, retryAfter string, pad uint32) {
		code := testbody.Status(status)
		b := testbody.New(body, int64(pad%(4<<20)))
		req, _ := http.NewRequest(http.MethodGet, heimdal.DefaultBaseURL+"/customers?customerId=1", nil)
		resp := &http.Response{StatusCode: code, Header: http.Header{"Retry-After": {retryAfter}}, Body: b, Request: req}
		err := heimdal.CheckResponse(resp)
		read, _, closed := b.State()
		if code >= 200 && code < 300 {
			if err != nil || read != 0 || closed {
				t.Fatalf("2xx: err %v, %d bytes read, closed %v; want nil and the body untouched", err, read, closed)
			}
			return
		}
		var e *heimdal.Error
		if !errors.As(err, &e) || e.StatusCode != code || e.Method != http.MethodGet || e.Path != "/api/heimdalapi/customers" {
			t.Fatalf("status %d: err = %#v; want *heimdal.Error for it", code, err)
		}
		var ra *httpx.RetryAfterError
		if errors.As(err, &ra) != (code == http.StatusTooManyRequests) || (ra != nil && ra.Wait < 0) {
			t.Fatalf("status %d: err = %#v; want *httpx.RetryAfterError with a wait >= 0 exactly for 429", code, err)
		}
		if !closed || read > httpx.MaxErrorBody+testbody.DrainLimit {
			t.Fatalf("body closed %v after %d bytes; want closed within %d", closed, read, httpx.MaxErrorBody+testbody.DrainLimit)
		}
		if code == http.StatusUnauthorized && e.Message != heimdal.MessageKeyRejected {
			t.Fatalf("401 message %q, want the key-rejected explanation", e.Message)
		}
		if msg := err.Error(); utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("valid UTF-8 body gave an invalid UTF-8 message: %q", msg)
		}
	})
}

// fzRoundTripper adapts a function to http.RoundTripper.
type fzRoundTripper func(*http.Request) (*http.Response, error)

func (f fzRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fzMaxCalls bounds how many requests one fuzz input may cause: a body
// claiming a huge totalCount legitimately makes the iterators ask for more
// pages, so past this the server answers an empty list.
const fzMaxCalls = 16

// fzClient returns a client whose requests all get a 200 with body (an
// empty list once fzMaxCalls is spent), retries off, every body tracked.
func fzClient(t *testing.T, body []byte) (*heimdal.Client, func() []*testbody.Body) {
	t.Helper()
	var mu sync.Mutex
	var bodies []*testbody.Body
	rt := fzRoundTripper(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		b := testbody.New(body, 0)
		if len(bodies) >= fzMaxCalls {
			b = testbody.New([]byte(`[]`), 0)
		}
		bodies = append(bodies, b)
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: b, Request: r}, nil
	})
	c, err := heimdal.NewClient(fzKey, heimdal.WithHTTPClient(&http.Client{Transport: rt}),
		heimdal.WithRateLimit(0, 1), heimdal.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []*testbody.Body {
		mu.Lock()
		defer mu.Unlock()
		return append([]*testbody.Body(nil), bodies...)
	}
}

// FuzzDecodeHeimdal proves that any 200 body on the customer, device,
// notification and alert lists, and through the All walks,
// gives values or an error, never a panic; that no error repeats the key;
// and that every body is closed.
func FuzzDecodeHeimdal(f *testing.F) {
	f.Add([]byte(`[{"id":"100","name":"Acme"}]`))
	f.Add([]byte(`{"items":[{"clientInfoId":"7","hostname":"ACME-WS01"}],"totalCount":1}`))
	f.Add([]byte(`{"items":[{"id":1,"module":"Disk","title":"Low disk","lastUpdate":"2024-05-01T10:00:00"}],"totalCount":1000000}`))
	f.Add([]byte(`{"message":"An error has occurred."}`))
	f.Add([]byte(`{"items":null,"totalCount":3}`))
	f.Add([]byte(`{"totalCount":3}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Add([]byte(`[{"id":{}}]`))
	f.Add([]byte(`<html>maintenance</html>`))
	f.Add([]byte(`[{"id":"1","created":"not a time","severity":12}]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, bodies := fzClient(t, body)
		ctx := context.Background()
		check := func(what string, err error) {
			t.Helper()
			if err != nil && strings.Contains(err.Error(), fzKey) {
				t.Fatalf("%s: error repeats the API key: %v", what, err)
			}
		}
		_, _, err := c.Customers.List(ctx, "100", nil)
		check("Customers.List", err)
		_, _, err = c.Devices.List(ctx, "100", nil)
		check("Devices.List", err)
		_, _, err = c.Devices.ListNotifications(ctx, "100", "7", nil)
		check("Devices.ListNotifications", err)
		_, _, err = c.CyberAlerts.List(ctx, "100", nil)
		check("CyberAlerts.List", err)
		_, _, err = c.M365.List(ctx, "100", nil)
		check("M365.List", err)
		n := 0
		for e, err := range c.CyberAlerts.All(ctx, "100", nil) {
			check("CyberAlerts.All", err)
			_, _ = heimdal.SectionCyberAlerts.LookupModule(e.Type)
			if n++; err != nil || n > 20 {
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

// TestErrorExcerptNeverCutsThroughKey: CheckResponse cuts a text error body
// at 200 bytes before the client scrubs the key out of it, so a proxy page
// that echoes the bearer token across the cut leaves the first part of the
// key in the error (and in every log line that prints it). The key must be
// scrubbed before the excerpt is cut.
func TestErrorExcerptNeverCutsThroughKey(t *testing.T) {
	for n := 180; n < 200; n++ {
		body := []byte(strings.Repeat("x", n) + " Bearer " + fzKey)
		rt := fzRoundTripper(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusBadRequest, Body: testbody.New(body, 0), Request: r}, nil
		})
		c, err := heimdal.NewClient(fzKey, heimdal.WithHTTPClient(&http.Client{Transport: rt}), heimdal.WithRateLimit(0, 1))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Customers.List(context.Background(), "1", nil)
		if err == nil || strings.Contains(err.Error(), fzKey[:8]) {
			t.Fatalf("error %q holds part of the key", err)
		}
	}
}
