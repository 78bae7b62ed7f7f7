package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

func Example() {
	// A server that is briefly overloaded: the first call gets a 503.
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, `{"version":"v2025.1.12345"}`)
	}))
	defer srv.Close()

	// An API client package resolves its own defaults with the caller's
	// options, then builds one Client and shares it.
	defaults := httpx.Settings{RatePerSecond: 10, Burst: 3, MaxRetries: 3}
	c := httpx.New(httpx.Resolve(defaults, httpx.WithRetry(3, time.Millisecond, 10*time.Millisecond)))

	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+"/system/info", nil)
	if err != nil {
		panic(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		// A write could fail with *httpx.OutcomeUnknownError here: look it
		// up before sending it again.
		var ou *httpx.OutcomeUnknownError
		fmt.Println("outcome unknown:", errors.As(err, &ou))
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body), "after", calls.Load(), "attempts")
	// Output: 200 {"version":"v2025.1.12345"} after 2 attempts
}

func ExampleParseRetryAfter() {
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, v := range []string{"30", "Thu, 01 May 2025 12:01:00 GMT", "soon"} {
		d, ok := httpx.ParseRetryAfter(v, now)
		fmt.Println(d, ok)
	}
	// Output:
	// 30s true
	// 1m0s true
	// 0s false
}
