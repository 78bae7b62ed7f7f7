package security360_test

// Fuzz targets for the 200 bodies of the token and data endpoints the
// security360 (Asio) client reads from the network, and for the JSON Patch
// it writes (error responses are fuzzed for all four clients at once by
// internal/conformance's FuzzCheckResponse). CI runs the seeds (f.Add and
// testdata/fuzz/<Target>); search for new failures with
//
//	go test ./security360 -run '^$' -fuzz '^FuzzDecodeAsio$' -fuzztime 20s

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
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

// TestCheckResponseNestedErrorIsLinear: parseErrorBody once re-parsed the
// remaining body per level of a nested {"code":{"code":...}} object
// (json.Unmarshal validates all of its input each time), so the work grew
// with the square of the body: a 36 KiB error body took about 2.7 s of CPU
// per response, from any server or proxy. Found by the timing check of
// FuzzCheckResponse (then per client). The fix stops following nesting after a fixed depth, which
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

// fzClient returns a client whose token endpoint answers tokenBody and
// whose every other request gets a 200 with body; retries are off and
// every body is tracked.
func fzClient(t *testing.T, tokenBody, body []byte) (*security360.Client, *testbody.Transport) {
	t.Helper()
	rt := &testbody.Transport{Answer: func(_ int, r *http.Request) (int, []byte) {
		if strings.HasSuffix(r.URL.Path, "/v1/token") {
			return http.StatusOK, tokenBody
		}
		return http.StatusOK, body
	}}
	c, err := security360.NewClient(security360.Credentials{ClientID: "fz-client-id", ClientSecret: fzSecret},
		security360.WithHTTPClient(&http.Client{Transport: rt}),
		security360.WithRateLimit(0, 1), security360.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, rt
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
		c, rt := fzClient(t, tokenBody, body)
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
		if open := rt.Unclosed(); len(open) > 0 {
			t.Fatalf("response bodies %v of %d not closed", open, rt.Calls())
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
