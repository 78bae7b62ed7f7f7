package httpx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

func TestIdempotentRetriedOnTransientFailures(t *testing.T) {
	failures := map[string]step{
		"503":   status(http.StatusServiceUnavailable),
		"502":   status(http.StatusBadGateway),
		"504":   status(http.StatusGatewayTimeout),
		"reset": fail(errReset),
		"EOF":   fail(io.ErrUnexpectedEOF),
		"dial":  fail(errRefused),
	}
	for name, f := range failures {
		for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete} {
			t.Run(name+"/"+method, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					fs := script(f, f, status(http.StatusOK))
					code, _, err := do(t, newClient(fs), newReq(t, t.Context(), method, api+"/service/tickets/1", ""))
					if err != nil || code != http.StatusOK {
						t.Fatalf("got %d, %v; want 200", code, err)
					}
					if n := fs.count(); n != 3 {
						t.Fatalf("server saw %d attempts, want 3", n)
					}
				})
			})
		}
	}
}

func TestNotRetriedStatuses(t *testing.T) {
	for _, code := range []int{400, 401, 403, 404, 409, 500, 501} {
		synctest.Test(t, func(t *testing.T) {
			fs := script(status(code), status(http.StatusOK))
			got, _, err := do(t, newClient(fs), newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
			if err != nil || got != code || fs.count() != 1 {
				t.Fatalf("%d: got %d, %v after %d attempts; want the %d once", code, got, err, fs.count(), code)
			}
		})
	}
}

func TestWriteMaybeProcessedIsOutcomeUnknown(t *testing.T) {
	for _, method := range []string{http.MethodPost, http.MethodPatch} {
		for name, err := range map[string]error{"reset": errReset, "EOF": io.ErrUnexpectedEOF, "other": errors.New("tls: bad record MAC")} {
			t.Run(method+"/"+name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					fs := script(fail(err), status(http.StatusCreated))
					_, _, derr := do(t, newClient(fs), newReq(t, t.Context(), method, api+"/service/tickets?x=1", `{"summary":"s"}`))
					var ou *httpx.OutcomeUnknownError
					if !errors.As(derr, &ou) {
						t.Fatalf("err = %v (%T), want *OutcomeUnknownError", derr, derr)
					}
					if ou.Method != method || ou.Path != "/service/tickets" || ou.StatusCode != 0 {
						t.Errorf("got Method=%q Path=%q Status=%d", ou.Method, ou.Path, ou.StatusCode)
					}
					if !httpx.IsOutcomeUnknown(derr) || !errors.Is(derr, err) {
						t.Errorf("chain lost: %v", derr)
					}
					if n := fs.count(); n != 1 {
						t.Fatalf("server saw %d requests, want exactly 1", n)
					}
					if !strings.Contains(derr.Error(), "look it up") {
						t.Errorf("message does not tell the caller what to do: %v", derr)
					}
				})
			})
		}
	}
}

func TestWriteNotSentIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dns := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}
		fs := script(fail(errRefused), fail(dns), status(http.StatusCreated))
		code, _, err := do(t, newClient(fs), newReq(t, t.Context(), http.MethodPost, api+"/service/tickets", `{"summary":"s"}`))
		if err != nil || code != http.StatusCreated {
			t.Fatalf("got %d, %v; want 201", code, err)
		}
		if fs.count() != 3 {
			t.Fatalf("attempts = %d, want 3", fs.count())
		}
		for i := range 3 {
			if b := fs.get(i).body; b != `{"summary":"s"}` {
				t.Errorf("attempt %d body = %q: the body must be replayed whole", i+1, b)
			}
		}
	})
}

func TestWriteRefusedEveryTimeIsNotOutcomeUnknown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(fail(errRefused))
		_, _, err := do(t, newClient(fs), newReq(t, t.Context(), http.MethodPost, api+"/t", "{}"))
		if err == nil || httpx.IsOutcomeUnknown(err) || !errors.Is(err, errRefused) {
			t.Fatalf("err = %v; want the dial error, not outcome unknown", err)
		}
		if fs.count() != 4 || !strings.Contains(err.Error(), "4 attempt(s)") {
			t.Fatalf("attempts = %d, err = %v; want 4", fs.count(), err)
		}
	})
}

func TestWriteRetriedOn429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(http.StatusTooManyRequests), status(http.StatusTooManyRequests, "Retry-After", "1"), status(http.StatusCreated))
		code, _, err := do(t, newClient(fs), newReq(t, t.Context(), http.MethodPost, api+"/t", "{}"))
		if err != nil || code != http.StatusCreated || fs.count() != 3 {
			t.Fatalf("got %d, %v after %d attempts; want 201 after 3", code, err, fs.count())
		}
	})
}

func TestWriteGatewayErrorsPassedThroughNotRetried(t *testing.T) {
	for _, code := range []int{http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusInternalServerError} {
		synctest.Test(t, func(t *testing.T) {
			fs := script(statusBody(code, "upstream died"), status(http.StatusCreated))
			got, body, err := do(t, newClient(fs), newReq(t, t.Context(), http.MethodPost, api+"/t", "{}"))
			if err != nil || got != code || body != "upstream died" {
				t.Fatalf("got %d %q, %v; want the %d passed through", got, body, err, code)
			}
			if fs.count() != 1 {
				t.Fatalf("a write that may have been applied was sent %d times", fs.count())
			}
			if !httpx.WriteOutcomeUnknown(http.MethodPost, got) {
				t.Errorf("WriteOutcomeUnknown(POST, %d) = false", got)
			}
		})
	}
}

func TestWriteOutcomeUnknownTable(t *testing.T) {
	for _, tc := range []struct {
		method string
		status int
		want   bool
	}{
		{"POST", 500, true}, {"POST", 502, true}, {"POST", 504, true}, {"PATCH", 502, true},
		{"POST", 503, false}, {"POST", 429, false}, {"POST", 400, false}, {"POST", 201, false},
		{"GET", 502, false}, {"PUT", 504, false}, {"DELETE", 500, false},
	} {
		if got := httpx.WriteOutcomeUnknown(tc.method, tc.status); got != tc.want {
			t.Errorf("WriteOutcomeUnknown(%s, %d) = %v, want %v", tc.method, tc.status, got, tc.want)
		}
	}
}

func TestWrite503RetriedOnlyWithRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(http.StatusServiceUnavailable, "Retry-After", "1"), status(http.StatusCreated))
		code, _, err := do(t, newClient(fs), newReq(t, t.Context(), http.MethodPost, api+"/t", "{}"))
		if err != nil || code != http.StatusCreated || fs.count() != 2 {
			t.Fatalf("with Retry-After: got %d, %v after %d attempts; want 201 after 2", code, err, fs.count())
		}
	})
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(http.StatusServiceUnavailable), status(http.StatusCreated))
		code, _, err := do(t, newClient(fs), newReq(t, t.Context(), http.MethodPost, api+"/t", "{}"))
		if err != nil || code != http.StatusServiceUnavailable || fs.count() != 1 {
			t.Fatalf("without Retry-After: got %d, %v after %d attempts; want the 503 once", code, err, fs.count())
		}
	})
}

func TestExhaustedRetriesPassLastResponseThrough(t *testing.T) {
	// A 429 has its own budget (4×MaxRetries by default): storms outlast a
	// normal retry budget, and a 429 is a request to wait, not a failure.
	for code, attempts := range map[int]int{http.StatusTooManyRequests: 9, http.StatusServiceUnavailable: 3, http.StatusBadGateway: 3} {
		synctest.Test(t, func(t *testing.T) {
			n := 0
			fs := &fakeServer{answer: func(int, *http.Request) (*http.Response, error) {
				n++
				return statusBody(code, fmt.Sprintf(`{"code":"ConnectWiseAPI","message":"try %d"}`, n))(nil)
			}}
			c := newClient(fs, httpx.WithRetry(2, 10*time.Millisecond, 10*time.Millisecond))
			got, body, err := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
			if err != nil {
				t.Fatalf("err = %v; want the last response, not an error", err)
			}
			if want := fmt.Sprintf(`{"code":"ConnectWiseAPI","message":"try %d"}`, attempts); got != code || body != want {
				t.Fatalf("got %d %q; want the last (%d) %d with its body", got, body, attempts, code)
			}
			if fs.count() != attempts {
				t.Fatalf("attempts = %d, want %d", fs.count(), attempts)
			}
		})
	}
}

func TestThrottleBudgetIsSeparateFromFailureBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 6 429s then 2 503s then success: 8 retries, more than
		// MaxRetries (2), yet within each budget.
		seq := []int{429, 429, 429, 429, 429, 429, 503, 503, 200}
		fs := &fakeServer{answer: func(i int, _ *http.Request) (*http.Response, error) {
			return statusBody(seq[min(i-1, len(seq)-1)], `{}`)(nil)
		}}
		c := newClient(fs, httpx.WithRetry(2, time.Millisecond, time.Millisecond))
		got, _, err := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
		if err != nil || got != 200 || fs.count() != 9 {
			t.Fatalf("got %d err %v after %d attempts; want 200 after 9", got, err, fs.count())
		}
		// A third failure exceeds the failure budget even with throttle
		// budget left.
		seq = []int{503, 503, 503, 200}
		fs2 := &fakeServer{answer: func(i int, _ *http.Request) (*http.Response, error) {
			return statusBody(seq[min(i-1, len(seq)-1)], `{}`)(nil)
		}}
		c = newClient(fs2, httpx.WithRetry(2, time.Millisecond, time.Millisecond))
		got, _, _ = do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
		if got != 503 || fs2.count() != 3 {
			t.Fatalf("got %d after %d attempts; want the third 503", got, fs2.count())
		}
	})
}

func TestTransportErrorsExhaustedGiveWrappedError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(fail(errReset))
		_, _, err := do(t, newClient(fs, httpx.WithRetry(1, time.Millisecond, time.Millisecond)), newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
		if !errors.Is(err, syscall.ECONNRESET) || !strings.Contains(err.Error(), "GET /x") {
			t.Fatalf("err = %v; want it to wrap the reset and name the request", err)
		}
		if fs.count() != 2 {
			t.Fatalf("attempts = %d, want 2", fs.count())
		}
	})
}

func TestRequestBodyReplayedOnRetryAndClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(http.StatusServiceUnavailable), status(http.StatusOK))
		body := &closeTracker{Reader: strings.NewReader("payload")}
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, api+"/x", body)
		if err != nil {
			t.Fatal(err)
		}
		if code, _, err := do(t, newClient(fs), req); err != nil || code != 200 {
			t.Fatalf("got %d, %v", code, err)
		}
		if fs.get(0).body != "payload" || fs.get(1).body != "payload" {
			t.Errorf("bodies = %q, %q", fs.get(0).body, fs.get(1).body)
		}
		if !body.closed {
			t.Error("Do did not close the caller's request body (http.Client.Do does)")
		}
	})
}

type closeTracker struct {
	io.Reader
	closed bool
}

func (c *closeTracker) Close() error { c.closed = true; return nil }

func TestAttemptTimeout(t *testing.T) {
	t.Run("GET retried", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			fs := script(blockUntilDone, status(http.StatusOK))
			c := newClient(fs, httpx.WithTimeout(5*time.Second))
			start := time.Now()
			code, _, err := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
			if err != nil || code != 200 || fs.count() != 2 {
				t.Fatalf("got %d, %v after %d attempts", code, err, fs.count())
			}
			if el := time.Since(start); el < 5*time.Second+50*time.Millisecond || el > 5*time.Second+100*time.Millisecond {
				t.Errorf("elapsed %v, want 5s timeout plus a [50ms,100ms] backoff", el)
			}
		})
	})
	t.Run("POST outcome unknown", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			fs := script(blockUntilDone, status(http.StatusCreated))
			c := newClient(fs, httpx.WithTimeout(5*time.Second))
			_, _, err := do(t, c, newReq(t, t.Context(), http.MethodPost, api+"/t", "{}"))
			var ou *httpx.OutcomeUnknownError
			if !errors.As(err, &ou) || fs.count() != 1 {
				t.Fatalf("err = %v after %d attempts; want OutcomeUnknownError after 1", err, fs.count())
			}
			var ne net.Error
			if !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("err = %v; want a timeout wrapping DeadlineExceeded", err)
			}
			if !strings.Contains(err.Error(), "attempt timed out after 5s") {
				t.Errorf("err = %v; want it to say which deadline fired", err)
			}
		})
	})
	t.Run("HTTPClient.Timeout applies per attempt too", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			fs := script(blockUntilDone, status(http.StatusOK))
			c := newClient(fs, httpx.WithHTTPClient(&http.Client{Transport: fs, Timeout: 2 * time.Second}))
			start := time.Now()
			if code, _, err := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", "")); err != nil || code != 200 {
				t.Fatalf("got %d, %v", code, err)
			}
			if el := time.Since(start); el < 2*time.Second || el > 3*time.Second {
				t.Errorf("elapsed %v, want about 2s", el)
			}
		})
	})
	t.Run("does not count the token wait", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			fs := script(status(http.StatusOK))
			c := newClient(fs, httpx.WithTimeout(time.Second), httpx.WithRateLimit(0.1, 1), httpx.WithRetry(0, time.Millisecond, time.Millisecond))
			start := time.Now()
			for i := range 2 {
				if code, _, err := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", "")); err != nil || code != 200 {
					t.Fatalf("request %d: got %d, %v; a 10s token wait must not trip a 1s attempt timeout", i+1, code, err)
				}
			}
			if el := time.Since(start); !near(el, 10*time.Second) {
				t.Errorf("elapsed %v, want 10s (one token interval)", el)
			}
		})
	})
	t.Run("covers the body", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			fs := script(func(r *http.Request) (*http.Response, error) {
				resp, _ := status(http.StatusOK)(r)
				resp.Body = io.NopCloser(ctxReader{r.Context()})
				return resp, nil
			})
			c := newClient(fs, httpx.WithTimeout(3*time.Second))
			resp, err := c.Do(newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			start := time.Now()
			_, err = io.ReadAll(resp.Body)
			if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 3*time.Second {
				t.Fatalf("body read ended after %v with %v; want the 3s attempt deadline", time.Since(start), err)
			}
		})
	})
}

// ctxReader is a body that trickles nothing until its context ends.
type ctxReader struct{ ctx context.Context }

func (r ctxReader) Read([]byte) (int, error) {
	<-r.ctx.Done()
	return 0, r.ctx.Err()
}

func TestAsIdempotentPostRetriedLikeGet(t *testing.T) {
	for name, first := range map[string]step{"reset": fail(errReset), "502": status(502), "503": status(503)} {
		synctest.Test(t, func(t *testing.T) {
			fs := script(first, status(200))
			ctx := httpx.AsIdempotent(t.Context())
			code, _, err := do(t, newClient(fs), newReq(t, ctx, http.MethodPost, api+"/service/tickets/search", `{"conditions":"id > 1"}`))
			if err != nil || code != 200 || fs.count() != 2 {
				t.Fatalf("%s: got %d, %v after %d attempts; a read-only POST marked idempotent is retried", name, code, err, fs.count())
			}
		})
	}
}

// trackedBody records whether a response body was closed.
type trackedBody struct {
	io.Reader
	closed *atomic.Int32
}

func (b trackedBody) Close() error { b.closed.Add(1); return nil }

func TestResponseBodiesClosed(t *testing.T) {
	t.Run("retried responses", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var closed atomic.Int32
			withBody := func(code int) step {
				return func(r *http.Request) (*http.Response, error) {
					resp, _ := statusBody(code, "busy")(r)
					resp.Body = trackedBody{strings.NewReader("busy"), &closed}
					return resp, nil
				}
			}
			fs := script(withBody(503), withBody(429), status(200))
			if code, _, err := do(t, newClient(fs), newReq(t, t.Context(), http.MethodGet, api+"/x", "")); err != nil || code != 200 {
				t.Fatalf("got %d, %v", code, err)
			}
			if closed.Load() != 2 {
				t.Errorf("%d of 2 retried response bodies closed", closed.Load())
			}
		})
	})
	t.Run("given up on cancel", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var closed atomic.Int32
			ctx, cancel := context.WithCancel(t.Context())
			fs := script(func(r *http.Request) (*http.Response, error) {
				cancel() // a retryable answer arrives just as the caller gives up
				resp, _ := status(503)(r)
				resp.Body = trackedBody{strings.NewReader("busy"), &closed}
				return resp, nil
			})
			_, _, err := do(t, newClient(fs), newReq(t, ctx, http.MethodGet, api+"/x", ""))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v", err)
			}
			if closed.Load() != 1 || fs.count() != 1 {
				t.Errorf("body closed %d times after %d attempts; want the dropped response closed once", closed.Load(), fs.count())
			}
		})
	})
}
