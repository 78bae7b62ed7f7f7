package httpx_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

func TestRetriesSpendTokens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(503), status(503), status(200))
		// Backoff (10-20ms) is far shorter than the 1s token interval, so any
		// time beyond it is the limiter's.
		c := newClient(fs, httpx.WithRateLimit(1, 1), httpx.WithRetry(3, 10*time.Millisecond, 20*time.Millisecond))
		start := time.Now()
		if code, _, err := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", "")); err != nil || code != 200 {
			t.Fatalf("got %d, %v", code, err)
		}
		if el := time.Since(start); !near(el, 2*time.Second) {
			t.Errorf("elapsed %v, want 2s: each retry must wait for its own token", el)
		}
		for i := range 3 {
			if at := fs.get(i).at.Sub(start); !near(at, time.Duration(i)*time.Second) {
				t.Errorf("attempt %d sent at +%v, want +%ds", i+1, at, i)
			}
		}
	})
}

func TestLimiterSpacesConcurrentCallers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(200))
		c := newClient(fs, httpx.WithRateLimit(4, 2))
		start := time.Now()
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() { do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", "")) })
		}
		wg.Wait()
		// Burst 2 at once, then 8 more at 4/s.
		if el := time.Since(start); !near(el, 2*time.Second) {
			t.Errorf("10 requests at 4/s burst 2 took %v, want 2s", el)
		}
	})
}

func Test429HalvesRateAndPausesEveryone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The 429 takes 50ms, so the other callers are already queued for
		// tokens (due at +100ms, +200ms, ...) when it arrives.
		fs := script(func(r *http.Request) (*http.Response, error) {
			time.Sleep(50 * time.Millisecond)
			return status(429, "Retry-After", "2")(r)
		}, status(200))
		c := newClient(fs, httpx.WithRateLimit(10, 1), httpx.WithRetry(0, time.Millisecond, time.Millisecond))
		start := time.Now()
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() { do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", "")) })
		}
		wg.Wait()
		lim := c.Limiter()
		if lim.ThrottledCount() != 1 {
			t.Errorf("ThrottledCount = %d, want 1", lim.ThrottledCount())
		}
		if lim.Limit() >= 10 || lim.Limit() < 5 {
			t.Errorf("Limit = %v, want halved to 5 (and at most a little recovered)", lim.Limit())
		}
		if fs.count() != 5 {
			t.Fatalf("server saw %d requests, want 5", fs.count())
		}
		if at := fs.get(0).at.Sub(start); at != 0 {
			t.Errorf("first request at +%v", at)
		}
		// Callers that were already queued for a token (the next was due at
		// +100ms) must sit out the whole pause.
		for i := 1; i < 5; i++ {
			if at := fs.get(i).at.Sub(start); at < 2050*time.Millisecond {
				t.Errorf("request %d sent at +%v, during the server's pause (until +2.05s)", i+1, at)
			}
		}
	})
}

func TestPauseRespectsRetryAfterCap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(429, "Retry-After", "3600"), status(200))
		c := newClient(fs, httpx.WithRateLimit(10, 1), httpx.WithRetry(0, time.Millisecond, time.Millisecond), httpx.WithMaxRetryAfter(5*time.Second))
		start := time.Now()
		if code, _, _ := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", "")); code != 429 {
			t.Fatalf("got %d, want the 429 (no retries)", code)
		}
		if code, _, err := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", "")); err != nil || code != 200 {
			t.Fatalf("got %d, %v", code, err)
		}
		if el := time.Since(start); !near(el, 5*time.Second) {
			t.Errorf("the next caller resumed after %v, want the 5s cap", el)
		}
	})
}

func TestLimiterRecoversGradually(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := httpx.NewLimiter(10, 1, true)
		l.Throttled(0)
		if l.Limit() != 5 || l.ThrottledCount() != 1 {
			t.Fatalf("after a 429: Limit %v, count %d; want 5, 1", l.Limit(), l.ThrottledCount())
		}
		start := time.Now()
		prev, reached := l.Limit(), time.Duration(0)
		for time.Since(start) < 40*time.Second {
			time.Sleep(100 * time.Millisecond)
			l.Succeeded()
			cur := l.Limit()
			if cur < prev || cur > 10 {
				t.Fatalf("at +%v Limit went %v -> %v", time.Since(start), prev, cur)
			}
			if cur-prev > 0.5+1e-9 {
				t.Fatalf("at +%v Limit jumped %v -> %v: recovery must be gradual", time.Since(start), prev, cur)
			}
			if cur == 10 && reached == 0 {
				reached = time.Since(start)
			}
			prev = cur
		}
		// 5 -> 9 at 0.5/s, then 9 -> 10 at 0.1/s near the rate that drew the 429.
		if reached < 15*time.Second || reached > 20*time.Second {
			t.Errorf("back at the configured 10/s after %v, want about 18s", reached)
		}
	})
}

func TestPauseDoesNotCountAsRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := httpx.NewLimiter(10, 1, true)
		l.Throttled(30 * time.Second)
		time.Sleep(31 * time.Second)
		l.Succeeded()
		if got := l.Limit(); got > 5.5+1e-9 {
			t.Errorf("first success after a 30s pause restored the rate to %v; only 1s of recovery is due (<= 5.5)", got)
		}
	})
}

func TestWaveOf429sCutsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Ten requests go out together; the server answers them 429 over
		// 0-900ms, longer than any fixed "same wave" window.
		var mu sync.Mutex
		latency := time.Duration(0)
		fs := &fakeServer{answer: func(n int, r *http.Request) (*http.Response, error) {
			mu.Lock()
			d := latency
			latency += 100 * time.Millisecond
			mu.Unlock()
			time.Sleep(d)
			return status(429)(r)
		}}
		c := newClient(fs, httpx.WithRateLimit(20, 20), httpx.WithRetry(0, time.Millisecond, time.Millisecond))
		var wg sync.WaitGroup
		for range 10 {
			wg.Go(func() { do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", "")) })
		}
		wg.Wait()
		if got := c.Limiter().Limit(); got != 10 {
			t.Errorf("after one wave Limit = %v, want 10 (halved once)", got)
		}
		if got := c.Limiter().ThrottledCount(); got != 10 {
			t.Errorf("ThrottledCount = %d, want 10", got)
		}
		// A request sent at the lower rate that still draws a 429 is news.
		time.Sleep(time.Second)
		latency = 0
		do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
		if got := c.Limiter().Limit(); got != 5 {
			t.Errorf("after a second wave Limit = %v, want 5", got)
		}
	})
}

func TestThrottledWithoutSendTimeUsesWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := httpx.NewLimiter(8, 1, true)
		l.Throttled(0)
		l.Throttled(0)
		time.Sleep(400 * time.Millisecond)
		l.Throttled(0)
		if l.Limit() != 4 {
			t.Errorf("three 429s within 500ms: Limit = %v, want 4", l.Limit())
		}
		time.Sleep(200 * time.Millisecond)
		l.Throttled(0)
		if l.Limit() != 2 || l.ThrottledCount() != 4 {
			t.Errorf("Limit = %v, count = %d; want 2, 4", l.Limit(), l.ThrottledCount())
		}
	})
}

func TestLimiterFloor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := httpx.NewLimiter(10, 1, true)
		for range 20 {
			l.Throttled(0)
			time.Sleep(time.Second)
		}
		if got := l.Limit(); math.Abs(got-0.5) > 1e-9 {
			t.Errorf("Limit = %v after many 429s, want the floor 0.5 (a twentieth)", got)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		l := httpx.NewLimiter(0.1, 1, true)
		l.Throttled(0)
		if got := l.Limit(); got > 0.1 {
			t.Errorf("a 429 raised a 0.1/s rate to %v", got)
		}
	})
}

func TestFixedRateIgnores429ButStillPauses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(429, "Retry-After", "3"), status(200))
		c := newClient(fs, httpx.WithRateLimit(10, 1), httpx.WithFixedRate(), httpx.WithRetry(0, time.Millisecond, time.Millisecond))
		start := time.Now()
		do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
		do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
		if c.Limiter().Limit() != 10 || c.Limiter().ThrottledCount() != 1 {
			t.Errorf("Limit = %v, count = %d; want 10, 1", c.Limiter().Limit(), c.Limiter().ThrottledCount())
		}
		if el := time.Since(start); !near(el, 3*time.Second) {
			t.Errorf("second request after %v, want the 3s pause", el)
		}
	})
}

func TestUnlimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(429, "Retry-After", "4"), status(200))
		c := newClient(fs, httpx.WithRetry(0, time.Millisecond, time.Millisecond))
		if l := c.Limiter(); l == nil || l.Limit() != math.MaxFloat64 {
			t.Fatalf("WithRateLimit(0, 0): Limiter = %v, want one at rate.Inf", l)
		}
		start := time.Now()
		do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
		do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
		// No rate, but the server's pause still holds every caller.
		if el := time.Since(start); !near(el, 4*time.Second) || c.Limiter().ThrottledCount() != 1 || c.Limiter().Limit() != math.MaxFloat64 {
			t.Errorf("elapsed %v, count %d, limit %v; want 4s, 1, rate.Inf", el, c.Limiter().ThrottledCount(), c.Limiter().Limit())
		}
	})
	var l *httpx.Limiter
	l.Throttled(time.Second)
	l.Succeeded()
	if err := l.Wait(context.Background()); err != nil || l.Limit() != 0 || l.ThrottledCount() != 0 {
		t.Errorf("nil limiter: %v %v %v", err, l.Limit(), l.ThrottledCount())
	}
}

func TestLimiterWaitDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := httpx.NewLimiter(0.1, 1, false)
		if err := l.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start := time.Now()
		err := l.Wait(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 0 {
			t.Fatalf("Wait = %v after %v; want an immediate DeadlineExceeded (token is 10s away)", err, time.Since(start))
		}
		// The refused reservation was given back.
		time.Sleep(10 * time.Second)
		ctx2, cancel2 := context.WithTimeout(t.Context(), time.Millisecond)
		defer cancel2()
		if err := l.Wait(ctx2); err != nil {
			t.Errorf("token due now: Wait = %v", err)
		}
	})
}

func TestLimiterDeadlineNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(200))
		c := newClient(fs, httpx.WithRateLimit(0.1, 1))
		do(t, c, newReq(t, t.Context(), http.MethodPost, api+"/x", "{}"))
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		start := time.Now()
		_, _, err := do(t, c, newReq(t, ctx, http.MethodPost, api+"/x", "{}"))
		if !errors.Is(err, context.DeadlineExceeded) || httpx.IsOutcomeUnknown(err) {
			t.Fatalf("err = %v; want DeadlineExceeded, not outcome unknown (nothing was sent)", err)
		}
		if el := time.Since(start); el != 0 || fs.count() != 1 {
			t.Errorf("took %v and %d requests; want an immediate failure without retries", el, fs.count())
		}
	})
}

func TestCancellation(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []httpx.Option
		// prime runs first, to drain tokens or provoke a pause.
		prime  bool
		answer step
		method string
	}{
		{"during backoff", []httpx.Option{httpx.WithRetry(3, 10*time.Second, 10*time.Second)}, false, status(503), http.MethodGet},
		{"during Retry-After", nil, false, status(429, "Retry-After", "30"), http.MethodPost},
		{"during token wait", []httpx.Option{httpx.WithRateLimit(0.01, 1)}, true, status(200), http.MethodPost},
		{"during limiter pause", []httpx.Option{httpx.WithRateLimit(10, 1), httpx.WithRetry(0, time.Millisecond, time.Millisecond)}, true, status(429, "Retry-After", "30"), http.MethodPost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				fs := script(tc.answer)
				c := newClient(fs, tc.opts...)
				if tc.prime {
					do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
				}
				before := fs.count()
				ctx, cancel := context.WithCancel(t.Context())
				start := time.Now()
				time.AfterFunc(1500*time.Millisecond, cancel)
				_, _, err := do(t, c, newReq(t, ctx, tc.method, api+"/x", "{}"))
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("err = %v, want context.Canceled", err)
				}
				if httpx.IsOutcomeUnknown(err) {
					t.Errorf("err = %v: a cancel while nothing was in flight is not outcome unknown", err)
				}
				if el := time.Since(start); el != 1500*time.Millisecond {
					t.Errorf("Do returned %v after start, want at the cancel (1.5s)", el)
				}
				if tc.prime && fs.count() != before {
					t.Errorf("a cancelled waiter still sent %d request(s)", fs.count()-before)
				}
			})
		})
	}
}

func TestCancelInFlightWriteIsOutcomeUnknown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(blockUntilDone)
		c := newClient(fs)
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		_, _, err := do(t, c, newReq(t, ctx, http.MethodPost, api+"/service/tickets", "{}"))
		var ou *httpx.OutcomeUnknownError
		if !errors.As(err, &ou) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v; a write whose context ended in flight may have been applied", err)
		}
		if fs.count() != 1 {
			t.Errorf("attempts = %d", fs.count())
		}
	})
	synctest.Test(t, func(t *testing.T) {
		fs := script(blockUntilDone)
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		_, _, err := do(t, newClient(fs), newReq(t, ctx, http.MethodGet, api+"/x", ""))
		if !errors.Is(err, context.DeadlineExceeded) || httpx.IsOutcomeUnknown(err) || fs.count() != 1 {
			t.Fatalf("GET: err = %v after %d attempts", err, fs.count())
		}
	})
}

func TestAlreadyCancelledSendsNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs := script(status(201))
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, _, err := do(t, newClient(fs), newReq(t, ctx, http.MethodPost, api+"/x", "{}"))
		if !errors.Is(err, context.Canceled) || httpx.IsOutcomeUnknown(err) || fs.count() != 0 {
			t.Fatalf("err = %v after %d requests; want Canceled and nothing sent", err, fs.count())
		}
	})
}

func TestResponseKeptWhenContextEndsAfterIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		fs := script(func(r *http.Request) (*http.Response, error) {
			cancel() // the caller gives up just as the write's answer arrives
			return statusBody(201, `{"id":7}`)(r)
		})
		resp, err := newClient(fs).Do(newReq(t, ctx, http.MethodPost, api+"/x", "{}"))
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("got %v, %v; the 201 is the only proof the write happened", resp, err)
		}
		resp.Body.Close()
	})
}

func TestLimiterHoldsBelowACeilingUnderTheConfiguredRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := httpx.NewLimiter(100, 1, true)
		l.Throttled(0) // at the configured rate: 100 -> 50
		time.Sleep(time.Second)
		l.Succeeded() // 55
		time.Sleep(time.Second)
		// A 429 at 55/s, a rate the limiter chose below the configured
		// 100: the server's limit is there, not at 100.
		l.Throttled(0)
		if got := l.Limit(); math.Abs(got-27.5) > 1e-9 {
			t.Fatalf("after a 429 at 55/s: Limit = %v, want 27.5", got)
		}
		start := time.Now()
		var atHold time.Duration
		for time.Since(start) < 2*time.Minute {
			time.Sleep(100 * time.Millisecond)
			l.Succeeded()
			cur, since := l.Limit(), time.Since(start)
			if since < time.Minute && cur > 49.5+1e-9 {
				t.Fatalf("at +%v Limit = %v: must hold at 90%% of 55 for a minute after the 429", since, cur)
			}
			if cur >= 49.5-1e-9 && atHold == 0 {
				atHold = since
			}
		}
		// 27.5 -> 49.5 at a fifth of the ceiling per second.
		if atHold == 0 || atHold > 3*time.Second {
			t.Errorf("reached the hold level after %v, want within 3s", atHold)
		}
		// After the hold it probes; no 429 above 55 means the limit is
		// gone, and the configured rate comes back.
		if got := l.Limit(); got != 100 {
			t.Errorf("two minutes without a 429: Limit = %v, want the configured 100", got)
		}
	})
}

func TestQueuedCallersTakeTheRateInForce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := httpx.NewLimiter(20, 1, true)
		l.Throttled(0) // 10/s
		ctx, cancel := context.WithTimeout(t.Context(), 4*time.Second)
		defer cancel()
		start := time.Now()
		var mu sync.Mutex
		var grants []time.Duration
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				for l.Wait(ctx) == nil {
					mu.Lock()
					grants = append(grants, time.Since(start))
					mu.Unlock()
				}
			})
		}
		for range 3 {
			time.Sleep(time.Second)
			l.Succeeded() // one more per second: 11, 12, 13
		}
		wg.Wait()
		// Twenty callers are always queued. Were their slots booked on
		// arrival, those booked at 10/s would go out interleaved with
		// slots booked at the raised rate: a burst the server refuses.
		for i := 1; i < len(grants); i++ {
			if gap := grants[i] - grants[i-1]; gap < time.Second/13/2 {
				t.Fatalf("grants at +%v and +%v: %v apart, under half the fastest rate's (13/s) spacing", grants[i-1], grants[i], gap)
			}
		}
		if len(grants) < 40 {
			t.Errorf("%d grants in 4s, want about 46", len(grants))
		}
	})
}
