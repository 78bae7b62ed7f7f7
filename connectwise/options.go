package connectwise

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/internal/httpx"
)

// Option configures a Client. It is this package's own type: an option of
// another psabridge client (heimdal.WithBaseURL, say) does not compile here,
// rather than being silently ignored.
type Option func(*settings)

// settings are the transport knobs an Option sets.
type settings = httpx.Settings

// WithHTTPClient supplies the underlying *http.Client (its Transport is
// wrapped with retry and rate limiting, never replaced). Wrap its Transport
// (otelhttp, a proxy, a recorder) to see every attempt on the wire.
func WithHTTPClient(hc *http.Client) Option { return Option(httpx.WithHTTPClient(hc)) }

// WithRateLimit sets the client-side request rate and burst.
func WithRateLimit(perSecond float64, burst int) Option {
	return Option(httpx.WithRateLimit(perSecond, burst))
}

// WithLimiter paces every request through l instead of the built-in
// adaptive limiter, so several clients or processes can share one budget
// (connectwise/cluster offers one kept in Redis). WithRateLimit is then
// ignored.
func WithLimiter(l bridge.Limiter) Option { return Option(httpx.WithLimiter(l)) }

// WithObserver hands every HTTP attempt, retries included, to fn once it
// has ended: method, route template ("/service/tickets/{id}"), status,
// attempt number, limiter wait, duration, retry reason and transport
// error; never headers, bodies or credentials. Wire it to metrics, traces
// or slog; fn runs on the caller's goroutine and must not block.
func WithObserver(fn func(bridge.Attempt)) Option { return Option(httpx.WithObserver(fn)) }

// WithRetry sets the retry budget and backoff bounds.
func WithRetry(maxRetries int, minWait, maxWait time.Duration) Option {
	return Option(httpx.WithRetry(maxRetries, minWait, maxWait))
}

// WithMaxRetryAfter caps how long a server's Retry-After is honoured.
func WithMaxRetryAfter(d time.Duration) Option { return Option(httpx.WithMaxRetryAfter(d)) }

// WithTimeout bounds each attempt.
func WithTimeout(d time.Duration) Option { return Option(httpx.WithTimeout(d)) }

// WithLogger sends one debug record per attempt (method, path, status,
// attempt, duration; never headers or bodies) to l.
func WithLogger(l *slog.Logger) Option { return Option(httpx.WithLogger(l)) }

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option { return Option(httpx.WithUserAgent(ua)) }

// defaultSettings keep well under the PSA's documented ~1,000 requests per
// minute, leaving headroom for other integrations on the same site.
var defaultSettings = httpx.Settings{
	RatePerSecond: 10,
	Burst:         5,
	MaxRetries:    5,
	RetryWaitMin:  500 * time.Millisecond,
	RetryWaitMax:  30 * time.Second,
}

// withAPI names the client in what observers see.
func withAPI(s httpx.Settings) httpx.Settings {
	s.API = "connectwise"
	return s
}
