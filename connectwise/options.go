package connectwise

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/psabridge/psabridge/internal/httpx"
)

// Option configures a Client.
type Option = httpx.Option

// WithHTTPClient supplies the underlying *http.Client (its Transport is
// wrapped with retry and rate limiting, never replaced).
func WithHTTPClient(hc *http.Client) Option { return httpx.WithHTTPClient(hc) }

// WithRateLimit sets the client-side request rate and burst.
func WithRateLimit(perSecond float64, burst int) Option { return httpx.WithRateLimit(perSecond, burst) }

// WithRetry sets the retry budget and backoff bounds.
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return httpx.WithRetry(maxRetries, minWait, maxWait)
}

// WithMaxRetryAfter caps how long a server's Retry-After is honoured.
func WithMaxRetryAfter(d time.Duration) Option { return httpx.WithMaxRetryAfter(d) }

// WithTimeout bounds each attempt.
func WithTimeout(d time.Duration) Option { return httpx.WithTimeout(d) }

// WithLogger sends one debug record per attempt (method, path, status,
// attempt, duration; never headers or bodies) to l.
func WithLogger(l *slog.Logger) Option { return httpx.WithLogger(l) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return httpx.WithUserAgent(ua) }

// defaultSettings keep well under the PSA's documented ~1,000 requests per
// minute, leaving headroom for other integrations on the same site.
var defaultSettings = httpx.Settings{
	RatePerSecond: 10,
	Burst:         5,
	MaxRetries:    5,
	RetryWaitMin:  500 * time.Millisecond,
	RetryWaitMax:  30 * time.Second,
}
