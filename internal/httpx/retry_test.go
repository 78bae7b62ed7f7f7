package httpx_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
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
	for _, code := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusBadGateway} {
		synctest.Test(t, func(t *testing.T) {
			n := 0
			fs := &fakeServer{answer: func(int, *http.Request) (*http.Response, error) {
				n++
				return statusBody(code, `{"code":"ConnectWiseAPI","message":"try `+string(rune('0'+n))+`"}`)(nil)
			}}
			c := newClient(fs, httpx.WithRetry(2, 10*time.Millisecond, 10*time.Millisecond))
			got, body, err := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
			if err != nil {
				t.Fatalf("err = %v; want the last response, not an error", err)
			}
			if got != code || body != `{"code":"ConnectWiseAPI","message":"try 3"}` {
				t.Fatalf("got %d %q; want the third (last) %d with its body", got, body, code)
			}
			if fs.count() != 3 {
				t.Fatalf("attempts = %d, want 3", fs.count())
			}
		})
	}
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
			if el := time.Since(start); el != 10*time.Second {
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
