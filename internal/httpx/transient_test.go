package httpx_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/psabridge/psabridge/internal/httpx"
)

const dbTimeout = `{"code":"ConnectWiseApi","message":"A timeout has occured. Please try again."}`

func timeoutRule(resp *http.Response, body []byte) bool {
	return resp.StatusCode == 500 && strings.Contains(string(body), "timeout")
}

// TestTransientReadRetriedForReadsOnly: Settings.TransientRead retries a
// 500 the API calls transient for reads (GET, and a POST marked AsRead),
// never for writes, idempotent ones included; an unretried answer keeps
// its whole body.
func TestTransientReadRetriedForReadsOnly(t *testing.T) {
	withRule := func(s *httpx.Settings) { s.TransientRead = timeoutRule }
	for _, tc := range []struct {
		name   string
		method string
		mark   func(context.Context) context.Context
		want   int // attempts
	}{
		{"GET", http.MethodGet, nil, 2},
		{"search POST", http.MethodPost, httpx.AsRead, 2},
		{"POST", http.MethodPost, nil, 1},
		{"idempotent PATCH", http.MethodPatch, httpx.AsIdempotent, 1},
		{"PUT", http.MethodPut, nil, 1},
		{"DELETE", http.MethodDelete, nil, 1},
	} {
		synctest.Test(t, func(t *testing.T) {
			fs := script(statusBody(500, dbTimeout), status(200))
			ctx := t.Context()
			if tc.mark != nil {
				ctx = tc.mark(ctx)
			}
			code, body, err := do(t, newClient(fs, withRule), newReq(t, ctx, tc.method, api+"/x", `{}`))
			if err != nil || fs.count() != tc.want {
				t.Fatalf("%s: %d attempts (%v), want %d", tc.name, fs.count(), err, tc.want)
			}
			if tc.want == 1 && (code != 500 || body != dbTimeout) {
				t.Fatalf("%s: unretried answer %d %q, want the whole 500 body", tc.name, code, body)
			}
		})
	}
	// Without the rule, or for another 500, a GET is not retried.
	synctest.Test(t, func(t *testing.T) {
		fs := script(statusBody(500, `{"message":"Error converting value"}`), status(200))
		if code, _, _ := do(t, newClient(fs, withRule), newReq(t, t.Context(), http.MethodGet, api+"/x", "")); code != 500 || fs.count() != 1 {
			t.Fatalf("other 500: %d after %d attempts", code, fs.count())
		}
		fs = script(statusBody(500, dbTimeout), status(200))
		if code, _, _ := do(t, newClient(fs), newReq(t, t.Context(), http.MethodGet, api+"/x", "")); code != 500 || fs.count() != 1 {
			t.Fatalf("no rule: %d after %d attempts", code, fs.count())
		}
	})
	// The retry budget still holds.
	synctest.Test(t, func(t *testing.T) {
		fs := script(statusBody(500, dbTimeout), statusBody(500, dbTimeout), statusBody(500, dbTimeout), statusBody(500, dbTimeout), statusBody(500, dbTimeout))
		code, body, _ := do(t, newClient(fs, withRule), newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
		if code != 500 || body != dbTimeout || fs.count() != 4 {
			t.Fatalf("budget: %d %q after %d attempts, want 500 after 4", code, body, fs.count())
		}
	})
}
