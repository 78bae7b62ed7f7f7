package security360_test

// Fuzz targets for what the security360 (Asio) client reads from the
// network, error responses (CheckResponse) and 200 bodies of the token and
// data endpoints, and for the JSON Patch it writes. CI runs the seeds
// (f.Add and testdata/fuzz/<Target>); search for new failures with
//
//	go test ./security360 -run '^$' -fuzz '^FuzzCheckResponseAsio$' -fuzztime 20s

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/psabridge/psabridge/internal/httpx"
	"github.com/psabridge/psabridge/internal/testbody"
	"github.com/psabridge/psabridge/security360"
)

// fzSecret is the client secret of the decoding fuzzer's client and
// fzToken the access token its token endpoint hands out by default; no
// error may repeat either.
const (
	fzSecret = "fz-asio-secret-0123456789abcdef"
	fzToken  = "fz-asio-token-fedcba9876543210"
)

// FuzzCheckResponseAsio proves CheckResponse turns any non-2xx status and
// body into a *security360.Error with that status, closes the body after
// reading at most MaxErrorBody (plus the bounded drain), keeps Code and
// Message to one short line of valid UTF-8 for a valid UTF-8 body, and
// stays fast on deeply nested error objects. A 2xx is left alone, unread.
func FuzzCheckResponseAsio(f *testing.F) {
	f.Add(400, []byte(`{"code":"InvalidRequest","message":"limit must be at most 100"}`), uint32(0))
	f.Add(401, []byte(`{"error":"invalid_token","error_description":"expired"}`), uint32(0))
	f.Add(403, []byte(`{"errorCode":403,"title":"Forbidden","detail":"scope"}`), uint32(0))
	f.Add(404, []byte(`{"error":{"code":"NotFound","message":"no such site"}}`), uint32(0))
	f.Add(500, []byte(strings.Repeat("€", 120)), uint32(0))
	f.Add(502, []byte("<html>bad gateway</html>"), uint32(100<<10))
	f.Add(503, []byte(`{"message":"same","code":"same"}`), uint32(2<<20))
	f.Add(422, []byte(strings.Repeat(`{"code":`, 300)+`"x"`+strings.Repeat(`}`, 300)), uint32(0))
	f.Add(200, []byte(`{"data":[]}`), uint32(0))
	f.Add(-3, []byte("\xff\xfe"), uint32(1))
	f.Fuzz(func(t *testing.T, status int, body []byte, pad uint32) {
		code := testbody.Status(status)
		b := testbody.New(body, int64(pad%(4<<20)))
		req, _ := http.NewRequest(http.MethodGet, security360.DefaultBaseURL+"/api/platform/v1/company/companies?limit=100", nil)
		resp := &http.Response{StatusCode: code, Header: http.Header{}, Body: b, Request: req}
		start := time.Now()
		err := security360.CheckResponse(resp)
		took := time.Since(start)
		read, _, closed := b.State()
		if code >= 200 && code < 300 {
			if err != nil || read != 0 || closed {
				t.Fatalf("2xx: err %v, %d bytes read, closed %v; want nil and the body untouched", err, read, closed)
			}
			return
		}
		var e *security360.Error
		if !errors.As(err, &e) || e.StatusCode != code || e.Method != http.MethodGet || e.Path != "/api/platform/v1/company/companies" {
			t.Fatalf("status %d: err = %#v; want *security360.Error for it", code, err)
		}
		if !closed || read > httpx.MaxErrorBody+testbody.DrainLimit {
			t.Fatalf("body closed %v after %d bytes; want closed within %d", closed, read, httpx.MaxErrorBody+testbody.DrainLimit)
		}
		for _, s := range []string{e.Code, e.Message} {
			if strings.ContainsAny(s, "\n\r\t") || len(s) > 400 {
				t.Fatalf("code or message is not one short line: %q", s)
			}
		}
		if msg := err.Error(); utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Fatalf("valid UTF-8 body gave an invalid UTF-8 message: %q", msg)
		}
		// Generous: a 64 KiB body parses in well under a millisecond; this
		// only catches work that grows with the square of the body.
		if took > 2*time.Second {
			t.Fatalf("CheckResponse took %v on a %d-byte body", took, len(body))
		}
	})
}

// TestCheckResponseNestedErrorIsLinear: parseErrorBody once re-parsed the
// remaining body per level of a nested {"code":{"code":...}} object
// (json.Unmarshal validates all of its input each time), so the work grew
// with the square of the body: a 36 KiB error body took about 2.7 s of CPU
// per response, from any server or proxy. Found by FuzzCheckResponseAsio's
// timing check. The fix stops following nesting after a fixed depth, which
// bounds the passes over the body; this test pins that bound without timing
// anything (the machines are shared): were the nesting followed to the
// bottom, the innermost "x" would come back as the code.
// BenchmarkCheckResponseNested measures the cost.
func TestCheckResponseNestedErrorIsLinear(t *testing.T) {
	for _, depth := range []int{8, 1000, httpx.MaxErrorBody / len(`{"code":}`)} {
		var apiErr *security360.Error
		if !errors.As(nestedErrorResponse(depth), &apiErr) {
			t.Fatalf("depth %d: not an *Error", depth)
		}
		if strings.Contains(apiErr.Code, "x") || strings.Contains(apiErr.Message, "x") {
			t.Errorf("depth %d: the nesting was followed to the bottom (code %q, message %q)", depth, apiErr.Code, apiErr.Message)
		}
	}
}

func BenchmarkCheckResponseNested(b *testing.B) {
	n := httpx.MaxErrorBody / len(`{"code":}`)
	b.SetBytes(int64(n * len(`{"code":}`)))
	for b.Loop() {
		_ = nestedErrorResponse(n)
	}
}

// nestedErrorResponse runs CheckResponse on a 400 whose body nests
// {"code": ...} depth times around "x".
func nestedErrorResponse(depth int) error {
	body := strings.Repeat(`{"code":`, depth) + `"x"` + strings.Repeat(`}`, depth)
	req, _ := http.NewRequest(http.MethodGet, security360.DefaultBaseURL+"/v1/rate_limits", nil)
	return security360.CheckResponse(&http.Response{StatusCode: http.StatusBadRequest, Body: testbody.New([]byte(body), 0), Request: req})
}

// fzRoundTripper adapts a function to http.RoundTripper.
type fzRoundTripper func(*http.Request) (*http.Response, error)

func (f fzRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fzClient returns a client whose token endpoint answers tokenBody and
// whose every other request gets a 200 with body; retries are off and
// every body is tracked.
func fzClient(t *testing.T, tokenBody, body []byte) (*security360.Client, func() []*testbody.Body) {
	t.Helper()
	var mu sync.Mutex
	var bodies []*testbody.Body
	rt := fzRoundTripper(func(r *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		b := testbody.New(body, 0)
		if strings.HasSuffix(r.URL.Path, "/v1/token") {
			b = testbody.New(tokenBody, 0)
		}
		bodies = append(bodies, b)
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}}, Body: b, Request: r}, nil
	})
	c, err := security360.NewClient(security360.Credentials{ClientID: "fz-client-id", ClientSecret: fzSecret},
		security360.WithHTTPClient(&http.Client{Transport: rt}),
		security360.WithRateLimit(0, 1), security360.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, func() []*testbody.Body {
		mu.Lock()
		defer mu.Unlock()
		return append([]*testbody.Body(nil), bodies...)
	}
}

// FuzzDecodeAsio proves that any 200 body from the token endpoint and from
// the company, site and rate-limit endpoints gives values or an error,
// never a panic; that no error repeats the secret or the token; and that
// every body is closed.
func FuzzDecodeAsio(f *testing.F) {
	tok := []byte(`{"access_token":"` + fzToken + `","token_type":"Bearer","expires_in":3600}`)
	f.Add(tok, []byte(`{"data":[{"id":"c1","name":"Acme Corp"}]}`))
	f.Add(tok, []byte(`[{"id":"s1","name":"Main","externalIds":[{"externalId":"3","productId":"infima"}]}]`))
	f.Add(tok, []byte(`{"id":"s1","name":"Main"}`))
	f.Add(tok, []byte(`{"limit":100,"remaining":99,"reset":"2025-05-01T00:00:00Z"}`))
	f.Add(tok, []byte(`{"sites":{"not":"a list"}}`))
	f.Add(tok, []byte(`null`))
	f.Add(tok, []byte(``))
	f.Add(tok, []byte(`<html>maintenance</html>`))
	f.Add([]byte(`{"access_token":"","token_type":"Bearer"}`), []byte(`[]`))
	f.Add([]byte(`{"access_token":"t","token_type":"mac","expires_in":"soon"}`), []byte(`[]`))
	f.Add([]byte(`{"access_token":"`+fzSecret+`","expires_in":1e400}`), []byte(`[]`))
	f.Add([]byte(`not json`), []byte(`[]`))
	f.Fuzz(func(t *testing.T, tokenBody, body []byte) {
		c, bodies := fzClient(t, tokenBody, body)
		ctx := context.Background()
		check := func(what string, err error) {
			t.Helper()
			if err == nil {
				return
			}
			if strings.Contains(err.Error(), fzSecret) || strings.Contains(err.Error(), fzToken) {
				t.Fatalf("%s: error repeats a credential: %v", what, err)
			}
		}
		_, _, err := c.Companies.List(ctx, nil)
		check("Companies.List", err)
		_, _, err = c.Companies.Get(ctx, "c1")
		check("Companies.Get", err)
		_, _, err = c.Sites.List(ctx, "c1", nil)
		check("Sites.List", err)
		_, _, err = c.Sites.Get(ctx, "c1", "s1")
		check("Sites.Get", err)
		_, _, err = c.RateLimits(ctx)
		check("RateLimits", err)
		n := 0
		for _, err := range c.Sites.All(ctx, "c1", nil) {
			check("Sites.All", err)
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

// FuzzPatchOperationMarshal proves a site patch is a valid JSON array with
// op and path unchanged (for valid UTF-8) and the value round-tripping,
// as RFC 6902 requires for add, replace and test.
func FuzzPatchOperationMarshal(f *testing.F) {
	f.Add("add", "/externalIds/-", []byte(`{"externalId":"3","productId":"infima"}`))
	f.Add("replace", "/name", []byte(`"Main office"`))
	f.Add("test", "/externalIds", []byte(`[]`))
	f.Add("replace", "/a~1b", []byte(`""`))
	f.Add("add", "", []byte(`0`))
	f.Add("\xff", "\"", []byte(`false`))
	f.Fuzz(func(t *testing.T, op, path string, valueJSON []byte) {
		var v any
		if json.Unmarshal(valueJSON, &v) != nil || v == nil {
			// nil values are covered by TestPatchOperationKeepsExplicitNull.
			v = string(valueJSON)
			if !utf8.Valid(valueJSON) {
				v = false
			}
		}
		out, err := json.Marshal([]security360.PatchOp{{Op: op, Path: path, Value: v}})
		if err != nil || !json.Valid(out) || out[0] != '[' {
			t.Fatalf("patch %q: %s, %v", op, out, err)
		}
		var got []struct {
			Op    string           `json:"op"`
			Path  string           `json:"path"`
			Value *json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(out, &got); err != nil || len(got) != 1 {
			t.Fatalf("patch %s: %v", out, err)
		}
		if (utf8.ValidString(op) && got[0].Op != op) || (utf8.ValidString(path) && got[0].Path != path) {
			t.Fatalf("sent %q %q, wire has %q %q", op, path, got[0].Op, got[0].Path)
		}
		if got[0].Value == nil {
			t.Fatalf("value %#v lost: %s", v, out)
		}
		var back any
		if err := json.Unmarshal(*got[0].Value, &back); err != nil || !reflect.DeepEqual(back, v) {
			t.Fatalf("value %#v came back as %#v (%v)", v, back, err)
		}
	})
}

// TestPatchOperationKeepsExplicitNull: PatchOp.Value is tagged
// omitempty, so {Op: "replace", Path: "/x", Value: nil} goes out as
// {"op":"replace","path":"/x"}, which RFC 6902 (§4.3, "value" is required
// for replace, add and test) makes invalid: a strict server refuses it
// and a lenient one may do anything. Found by FuzzPatchOperationMarshal.
func TestPatchOperationKeepsExplicitNull(t *testing.T) {
	out, err := json.Marshal(security360.PatchOp{Op: "replace", Path: "/name", Value: nil})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if v, ok := m["value"]; !ok || string(v) != "null" {
		t.Errorf("replace with a null value marshals as %s; want \"value\":null", out)
	}
}

// TestErrorExcerptNeverCutsThroughSecret: checkResponse cuts the server's
// text at 300 bytes before scrubbing the secret and the token from it, so
// a proxy page echoing the token across the cut leaves its first part in
// the error. They must be scrubbed before the excerpt is cut.
func TestErrorExcerptNeverCutsThroughSecret(t *testing.T) {
	tok := []byte(`{"access_token":"` + fzToken + `","token_type":"Bearer","expires_in":3600}`)
	for n := 280; n < 300; n++ {
		body := []byte(strings.Repeat("x", n) + " Bearer " + fzToken)
		rt := fzRoundTripper(func(r *http.Request) (*http.Response, error) {
			if strings.HasSuffix(r.URL.Path, "/v1/token") {
				return &http.Response{StatusCode: http.StatusOK, Body: testbody.New(tok, 0), Request: r}, nil
			}
			return &http.Response{StatusCode: http.StatusBadRequest, Body: testbody.New(body, 0), Request: r}, nil
		})
		c, err := security360.NewClient(security360.Credentials{ClientID: "fz-client-id", ClientSecret: fzSecret},
			security360.WithHTTPClient(&http.Client{Transport: rt}), security360.WithRateLimit(0, 1))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Companies.List(context.Background(), nil)
		if err == nil || strings.Contains(err.Error(), fzToken[:8]) {
			t.Fatalf("error %q holds part of the token", err)
		}
	}
}
