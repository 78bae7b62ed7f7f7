package httpx_test

import (
	"math"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

func TestResolveDefaults(t *testing.T) {
	s := httpx.Resolve[httpx.Settings, *httpx.Settings, httpx.Option](httpx.Settings{})
	if s.Burst != 1 || s.MaxRetries != 0 || s.RetryWaitMin != 500*time.Millisecond || s.RetryWaitMax != 30*time.Second ||
		s.MaxRetryAfter != 60*time.Second || s.UserAgent != httpx.DefaultUserAgent {
		t.Errorf("Resolve(zero) = %+v", s)
	}
	s = httpx.Resolve(httpx.Settings{RatePerSecond: 10, Burst: 3, MaxRetries: 4, UserAgent: "cw/1"},
		httpx.WithRateLimit(5, 0), nil, httpx.WithRetry(-1, 0, 0), httpx.WithMaxRetryAfter(-time.Second))
	if s.RatePerSecond != 5 || s.Burst != 1 || s.Unlimited || s.MaxRetries != 0 || s.MaxRetryAfter != 60*time.Second || s.UserAgent != "cw/1" {
		t.Errorf("options over defaults = %+v", s)
	}
	// A minimum above the default maximum must not be clipped by it.
	if s := httpx.Resolve(httpx.Settings{}, httpx.WithRetry(2, 45*time.Second, 0)); s.RetryWaitMax < s.RetryWaitMin {
		t.Errorf("RetryWaitMax %v < RetryWaitMin %v", s.RetryWaitMax, s.RetryWaitMin)
	}
	if s := httpx.Resolve(httpx.Settings{}, httpx.WithRateLimit(0, 5)); !s.Unlimited {
		t.Error("WithRateLimit(0, n) should mean unlimited")
	}
	if s := httpx.Resolve(httpx.Settings{}, httpx.WithRetry(2, time.Second, 5*time.Second), httpx.WithTimeout(time.Minute), httpx.WithFixedRate(), httpx.WithBaseURL("http://sim")); s.RetryWaitMin != time.Second ||
		s.RetryWaitMax != 5*time.Second || s.Timeout != time.Minute || !s.NonAdaptive || s.BaseURL != "http://sim" {
		t.Errorf("options lost: %+v", s)
	}
}

func TestNewResolvesZeroSettings(t *testing.T) {
	c := httpx.New(httpx.Settings{})
	if s := c.Settings(); s.MaxRetryAfter != 60*time.Second || s.UserAgent == "" || s.RetryWaitMin <= 0 {
		t.Errorf("New(Settings{}) kept unusable settings: %+v", s)
	}
}

func TestUserAgent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   []httpx.Option
		set    func(http.Header)
		want   string
		absent bool
	}{
		{"default", nil, nil, httpx.DefaultUserAgent, false},
		{"configured", []httpx.Option{httpx.WithUserAgent("psabridge-cw/2.0")}, nil, "psabridge-cw/2.0", false},
		{"caller wins", []httpx.Option{httpx.WithUserAgent("psabridge-cw/2.0")}, func(h http.Header) { h.Set("User-Agent", "ticketsync/3") }, "ticketsync/3", false},
		{"caller asks for none", nil, func(h http.Header) { h["User-Agent"] = []string{""} }, "", true},
	} {
		synctest.Test(t, func(t *testing.T) {
			fs := script(status(200))
			req := newReq(t, t.Context(), http.MethodGet, api+"/x", "")
			if tc.set != nil {
				tc.set(req.Header)
			}
			before := req.Header.Clone()
			do(t, newClient(fs, tc.opts...), req)
			if got := fs.get(0).header.Get("User-Agent"); got != tc.want {
				t.Errorf("%s: User-Agent = %q, want %q", tc.name, got, tc.want)
			}
			if len(req.Header) != len(before) || req.Header.Get("User-Agent") != before.Get("User-Agent") {
				t.Errorf("%s: Do modified the caller's request headers: %v -> %v", tc.name, before, req.Header)
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	minW, maxW := 100*time.Millisecond, 3*time.Second
	prevCap := time.Duration(0)
	for attempt := range 12 {
		cap := min(minW<<attempt, maxW)
		if cap < prevCap {
			t.Fatalf("cap went down at attempt %d", attempt)
		}
		prevCap = cap
		lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
		for range 500 {
			d := httpx.Backoff(minW, maxW, attempt)
			if d < cap/2 || d > cap {
				t.Fatalf("Backoff(%v, %v, %d) = %v, want in [%v, %v]", minW, maxW, attempt, d, cap/2, cap)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		if hi-lo < cap/4 {
			t.Errorf("attempt %d: 500 draws spanned only [%v, %v]: no jitter", attempt, lo, hi)
		}
	}
}

func TestBackoffEdges(t *testing.T) {
	if d := httpx.Backoff(0, time.Second, 5); d != 0 {
		t.Errorf("zero minimum: %v", d)
	}
	if d := httpx.Backoff(-time.Second, time.Second, 1); d < 0 {
		t.Errorf("negative minimum gave %v", d)
	}
	if d := httpx.Backoff(time.Nanosecond, time.Nanosecond, 3); d != time.Nanosecond {
		t.Errorf("1ns bounds: %v", d)
	}
	if d := httpx.Backoff(10*time.Second, time.Second, 0); d < 500*time.Millisecond || d > time.Second {
		t.Errorf("minimum above maximum: %v, want capped at the maximum", d)
	}
	huge := time.Duration(math.MaxInt64)
	for _, attempt := range []int{0, 1, 62, 63, 64, 1000} {
		if d := httpx.Backoff(time.Nanosecond, huge, attempt); d < 0 {
			t.Fatalf("Backoff(1ns, max, %d) = %v: overflowed", attempt, d)
		}
		if d := httpx.Backoff(3*time.Second, huge, attempt); d < 0 {
			t.Fatalf("Backoff(3s, max, %d) = %v: overflowed", attempt, d)
		}
	}
}

func TestOutcomeUnknownErrorMessage(t *testing.T) {
	e := &httpx.OutcomeUnknownError{Method: "POST", Path: "/service/tickets", StatusCode: 502, Err: errReset}
	if got := e.Error(); got != "POST /service/tickets: outcome unknown (HTTP 502): the write may have been applied; look it up before retrying: read tcp: connection reset by peer" {
		t.Errorf("Error() = %q", got)
	}
	re := &httpx.RetryAfterError{Wait: 30 * time.Second, Err: errReset}
	if re.Error() != "rate limited: retry after 30s: read tcp: connection reset by peer" {
		t.Errorf("RetryAfterError = %q", re.Error())
	}
}

// apiSettings stands for a client's settings: the transport plus a field
// only its API has.
type apiSettings struct {
	httpx.Settings
	paths string
}

type apiOption func(*apiSettings)

// TestAdaptCarriesTransportOnly shows what lets each client keep its own
// Option type over one set of transport options: an adapted option changes
// the transport part of the target and nothing else, whichever way it is
// adapted, and Resolve fills the transport defaults of a client's settings
// while keeping its own fields.
func TestAdaptCarriesTransportOnly(t *testing.T) {
	withPaths := apiOption(func(s *apiSettings) { s.paths = "/x"; s.Timeout = time.Second })
	opts := []apiOption{
		httpx.Adapt[apiOption](httpx.WithUserAgent("ua/1")),
		withPaths,
		nil,
		httpx.Adapt[apiOption](httpx.Option(nil)),
	}
	got := httpx.Resolve(apiSettings{Settings: httpx.Settings{MaxRetries: 3}}, opts...)
	if got.paths != "/x" || got.UserAgent != "ua/1" || got.Timeout != time.Second || got.MaxRetries != 3 || got.MaxRetryAfter != 60*time.Second {
		t.Errorf("Resolve(apiSettings) = %+v", got)
	}
	// Back to plain Settings: the transport part survives, the API field
	// has nowhere to go.
	back := httpx.Resolve(httpx.Settings{UserAgent: "keep"}, httpx.AdaptAll[httpx.Option](opts)...)
	if back.Timeout != time.Second || back.UserAgent != "ua/1" {
		t.Errorf("adapted back = %+v", back)
	}
}
