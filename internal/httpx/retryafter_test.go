package httpx_test

import (
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

// elapsedFor runs one GET whose first answer is first and second is 200, and
// returns the fake time Do took.
func elapsedFor(t *testing.T, first step, opts ...httpx.Option) time.Duration {
	t.Helper()
	fs := script(first, status(http.StatusOK))
	c := newClient(fs, opts...)
	start := time.Now()
	code, _, err := do(t, c, newReq(t, t.Context(), http.MethodGet, api+"/x", ""))
	if err != nil || code != http.StatusOK || fs.count() != 2 {
		t.Fatalf("got %d, %v after %d attempts; want 200 after 2", code, err, fs.count())
	}
	return time.Since(start)
}

func TestRetryAfterHonoured(t *testing.T) {
	for _, tc := range []struct {
		name  string
		code  int
		value string
		opts  []httpx.Option
		want  time.Duration
	}{
		{"429 seconds", 429, "2", nil, 2 * time.Second},
		{"503 seconds", 503, "7", nil, 7 * time.Second},
		{"429 zero", 429, "0", nil, 0},
		{"capped at default 60s", 429, "3600", nil, 60 * time.Second},
		{"capped at configured", 429, "3600", []httpx.Option{httpx.WithMaxRetryAfter(5 * time.Second)}, 5 * time.Second},
		{"503 capped", 503, "99999999999999999999999", nil, 60 * time.Second},
		{"with limiter", 429, "2", []httpx.Option{httpx.WithRateLimit(10, 1)}, 2 * time.Second},
		{"cap with limiter", 429, "3600", []httpx.Option{httpx.WithRateLimit(10, 1), httpx.WithMaxRetryAfter(4 * time.Second)}, 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				if got := elapsedFor(t, status(tc.code, "Retry-After", tc.value), tc.opts...); got != tc.want {
					t.Errorf("waited %v, want exactly %v", got, tc.want)
				}
			})
		})
	}
}

func TestRetryAfterHTTPDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The bubble's clock starts on a whole second, so the date is exact.
		date := time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)
		if got := elapsedFor(t, status(429, "Retry-After", date)); got != 3*time.Second {
			t.Errorf("waited %v, want 3s", got)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
		if got := elapsedFor(t, status(429, "Retry-After", past)); got != 0 {
			t.Errorf("waited %v for a past date, want 0", got)
		}
	})
}

func TestRetryAfterMalformedFallsBackToBackoff(t *testing.T) {
	for _, v := range []string{"soon", "1.5", "Tuesday"} {
		synctest.Test(t, func(t *testing.T) {
			got := elapsedFor(t, status(429, "Retry-After", v), httpx.WithRetry(3, 2*time.Second, 10*time.Second))
			if got < time.Second || got > 2*time.Second {
				t.Errorf("Retry-After %q: waited %v, want backoff in [1s, 2s]", v, got)
			}
		})
	}
}

func TestRetryAfterIgnoredForOtherStatuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		got := elapsedFor(t, status(502, "Retry-After", "30"), httpx.WithRetry(3, 2*time.Second, 10*time.Second))
		if got < time.Second || got > 2*time.Second {
			t.Errorf("waited %v, want plain backoff in [1s, 2s]", got)
		}
	})
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	maxDur := time.Duration(int64(1<<63-1)/int64(time.Second)) * time.Second
	for _, tc := range []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"   ", 0, false},
		{"0", 0, true},
		{"2", 2 * time.Second, true},
		{" 30 ", 30 * time.Second, true},
		{"-5", 0, true},
		{"3600", time.Hour, true},
		{"9223372036", 9223372036 * time.Second, true},
		{"9223372037", maxDur, true},
		{"99999999999999999999999999", maxDur, true},
		{"-99999999999999999999999999", 0, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-90 * time.Second).Format(http.TimeFormat), 0, true},
		{"Thursday, 01-May-25 12:00:10 GMT", 10 * time.Second, true}, // RFC 850
		{"Thu May  1 12:00:20 2025", 20 * time.Second, true},         // asctime
		{"Fri, 31 Dec 9999 23:59:59 GMT", now.AddDate(7974, 0, 0).Sub(now), true},
		{"1.5", 0, false},
		{"5s", 0, false},
		{"garbage", 0, false},
		{"0x10", 0, false},
	} {
		got, ok := httpx.ParseRetryAfter(tc.in, now)
		if tc.in == "Fri, 31 Dec 9999 23:59:59 GMT" {
			// Only the sign matters for a date that far out.
			if !ok || got <= 0 {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want a large positive wait", tc.in, got, ok)
			}
			continue
		}
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{
		"", "0", "2", "-1", "120", "3600", "9223372037", "99999999999999999999",
		"+5", " 7 ", "1e3", "Thu, 01 May 2025 12:00:05 GMT", "Mon, 01 Jan 0001 00:00:00 GMT",
		"Fri, 31 Dec 9999 23:59:59 GMT", "Thursday, 01-May-25 12:00:10 GMT", "Thu May  1 12:00:20 2025", "\x00",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := httpx.ParseRetryAfter(v, now)
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v: negative", v, d)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v, false: a rejected value must give 0", v, d)
		}
		if n, err := strconv.ParseUint(v, 10, 64); err == nil && (!ok || (n < 1<<30 && d != time.Duration(n)*time.Second)) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v; want %ds", v, d, ok, n)
		}
	})
}
