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
