package httpx

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter parses a Retry-After header value, either delay-seconds or
// an HTTP-date (RFC 9110 §10.2.3), relative to now. It reports false for an
// empty or malformed value. Negative or past values give 0.
func ParseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		return 0, false
	}
	// Clamp before multiplying so absurd values cannot overflow.
	const maxSecs = int64(1<<63-1) / int64(time.Second)
	secs, err := strconv.ParseInt(v, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		// Too many digits is still a number: "very long", not malformed,
		// so it ends at the caller's cap instead of a short backoff.
		secs, err = maxSecs, nil
		if v[0] == '-' {
			secs = 0
		}
	}
	if err == nil {
		if secs < 0 {
			return 0, true
		}
		if secs > maxSecs {
			secs = maxSecs
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	d := max(t.Sub(now), 0)
	return d, true
}
