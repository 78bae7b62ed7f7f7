package connectwise_test

import (
	"context"
	"expvar"
	"fmt"
	"log"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// Export every HTTP attempt without new dependencies: a counter per route
// and status in expvar (served on /debug/vars by importing expvar), and a
// structured log line per retry. The same hook feeds Prometheus or
// OpenTelemetry metrics; for traces, wrap the transport given to
// WithHTTPClient with otelhttp.
func ExampleWithObserver() {
	srv := cwtest.NewServer()
	defer srv.Close()

	attempts, _ := expvar.Get("psabridge_attempts").(*expvar.Map)
	if attempts == nil {
		attempts = expvar.NewMap("psabridge_attempts")
	}
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		// Drop the time so the example's output is stable.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	observe := func(a bridge.Attempt) {
		attempts.Add(a.API+" "+a.Method+" "+a.Route+" "+strconv.Itoa(a.StatusCode), 1)
		if a.RetryReason != "" {
			logger.Info("retry", "api", a.API, "route", a.Route, "attempt", a.Attempt, "reason", a.RetryReason, "status", a.StatusCode)
		}
	}

	c, err := connectwise.NewClient(srv.Config(),
		connectwise.WithObserver(observe),
		connectwise.WithRetry(3, time.Millisecond, time.Millisecond))
	if err != nil {
		log.Fatal(err)
	}
	// The simulator refuses the first ticket read once, as a busy PSA would.
	srv.InjectFault(cwtest.Fault{PathContains: "/service/tickets/", Status: 503, Times: 1})
	ctx := context.Background()
	t, _, err := c.Tickets.Create(ctx, &connectwise.Ticket{Summary: "Disk almost full", Company: connectwise.Ref{ID: srv.Companies()[0].ID}})
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := c.Tickets.Get(ctx, t.ID); err != nil {
		log.Fatal(err)
	}
	fmt.Println(attempts.Get("connectwise GET /service/tickets/{id} 503"), attempts.Get("connectwise GET /service/tickets/{id} 200"))
	// Output:
	// level=INFO msg=retry api=connectwise route=/service/tickets/{id} attempt=2 reason="HTTP 503" status=200
	// 1 1
}
