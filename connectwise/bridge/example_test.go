package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/heimdal"
)

// One errors.As target works whichever client failed: here Heimdal keeps
// answering 429, and the caller reads the server's wait to schedule the
// next run.
func ExampleRetryAfter() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	c, err := heimdal.NewClient("example-key", heimdal.WithBaseURL(srv.URL),
		heimdal.WithRetry(0, time.Millisecond, time.Millisecond), heimdal.WithMaxRetryAfter(time.Millisecond))
	if err != nil {
		panic(err)
	}
	_, _, err = c.Customers.List(context.Background(), "1", nil)

	var apiErr *bridge.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.API, apiErr.StatusCode)
	}
	if wait, ok := bridge.RetryAfter(err); ok {
		fmt.Println("retry in", wait)
	}
	// Output:
	// heimdal 429
	// retry in 2m0s
}
