package conformance_test

import (
	"errors"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// TestRateLimitedAfterRetriesExposesWait: a server that answers every
// attempt with a 429 and "Retry-After: 30" is retried on the 429 budget
// (four times the configured retries), each time after the server's 30 s,
// and then the caller gets the last 429 as the API's *Error inside a
// *RateLimitError whose Wait (and the package's RetryAfter) is the
// server's 30 s, so a scheduler can back off as asked.
func TestRateLimitedAfterRetriesExposesWait(t *testing.T) {
	const retries, wait = 2, 30 * time.Second
	for _, tc := range exCases() {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rt := &exTransport{side: tc.side, status: http.StatusTooManyRequests, body: []byte(tc.rateBody), header: http.Header{"Retry-After": {"30"}}}
				start := time.Now()
				err := tc.call(rt, retries)
				elapsed := time.Since(start)
				var rl *bridge.RateLimitError
				if !errors.As(err, &rl) || rl.Wait != wait {
					t.Fatalf("err = %v, want a *RateLimitError waiting 30s", err)
				}
				if got, ok := tc.retryAfter(err); !ok || got != wait {
					t.Errorf("RetryAfter = %v, %v; want 30s", got, ok)
				}
				var apiErr *bridge.APIError
				if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusTooManyRequests || apiErr.Path != tc.path || apiErr.Message != "slow down" || apiErr.RetryAfter != wait {
					t.Errorf("wrapped error %#v, want the 429 on %s saying \"slow down\"", apiErr, tc.path)
				}
				if n := rt.Calls(); n != 1+4*retries {
					t.Errorf("%d attempts, want 1 + %d throttle retries", n, 4*retries)
				}
				if want := 4 * retries * wait; elapsed != want {
					t.Errorf("retries waited %v, want %v from Retry-After", elapsed, want)
				}
			})
		})
	}
}
