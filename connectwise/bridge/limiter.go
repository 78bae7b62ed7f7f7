package bridge

import (
	"context"
	"time"
)

// Limiter paces the requests of one credential. Every client accepts one
// through its WithLimiter option; the default is an adaptive in-process
// limiter, and connectwise/cluster offers one shared by many processes
// through Redis.
//
// Implementations must be safe for concurrent use.
type Limiter interface {
	// Wait blocks until one request may be sent, or ctx is done.
	Wait(ctx context.Context) error
	// Throttled records a 429; wait is the server's Retry-After (0 when
	// absent). An adaptive limiter lowers its rate.
	Throttled(wait time.Duration)
	// Succeeded records a response that was not a 429, letting an adaptive
	// limiter recover towards its configured rate.
	Succeeded()
}

// Attempt describes one HTTP attempt, retries included, as a client's
// observer (WithObserver) sees it once the attempt has ended. It never holds
// headers, bodies or credentials, so it can go to metrics and logs as is.
type Attempt struct {
	// API names the client: "connectwise", "heimdal", "infima" or
	// "security360".
	API string
	// Method is the HTTP method.
	Method string
	// Route is the endpoint as a template with its identifiers replaced,
	// such as "/service/tickets/{id}": low-cardinality, fit for a metric
	// label. It is the URL path when the client knows no template (Raw).
	Route string
	// Attempt counts the sends of one call, from 1.
	Attempt int
	// StatusCode is the HTTP status, or 0 when no response arrived.
	StatusCode int
	// LimiterWait is how long the attempt queued for the rate limiter.
	LimiterWait time.Duration
	// Duration is the attempt on the wire: from after the limiter until
	// the response headers arrived or the transport failed.
	Duration time.Duration
	// RetryReason says why this attempt was sent again ("HTTP 429",
	// "HTTP 503", "transport error", "HTTP 401: token renewed", ...);
	// empty for a first attempt.
	RetryReason string
	// Err is the transport error, with credentials scrubbed; nil when a
	// response arrived (whatever its status).
	Err error
}
