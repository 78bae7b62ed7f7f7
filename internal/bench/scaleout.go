package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/psabridge/psabridge/internal/scaleout"
)

// Scenario 8: N worker processes syncing different companies on one PSA
// credential whose server limit is R, paced by one budget shared through
// Redis (connectwise/cluster) against one limiter per process. It needs a
// Redis: PSABRIDGE_REDIS_ADDR, or a redis-server it starts.
var (
	scaleRate   = flag.Float64("scale-rate", 50, "scenario 8: the PSA's server limit R, requests/s")
	scaleAlerts = flag.Int("scale-alerts", 100, "scenario 8: alerts (tickets) each worker syncs")
	scaleRTT    = flag.Int("scale-rtt-calls", 5000, "scenario 8: shared-limiter waits timed for the Redis round-trip row")
)

func runScaleOut(ctx context.Context, p params) []row {
	addr, stop, err := scaleout.StartRedis(ctx)
	if err != nil {
		return []row{failed("8", "scale-out workers", err)}
	}
	defer stop()
	var rows []row
	for i, n := range []int{1, 2, 4, 8} {
		for _, shared := range []bool{true, false} {
			mode := "per-process"
			if shared {
				mode = "shared"
			}
			id := fmt.Sprintf("8%c", 'a'+2*i+map[bool]int{true: 0, false: 1}[shared])
			name := fmt.Sprintf("%d workers, %s limiter", n, mode)
			logf(p, "scenario 8: %s", name)
			res, err := scaleout.Run(ctx, scaleout.Config{
				Workers: n, Shared: shared, Rate: *scaleRate, Burst: max(2, int(*scaleRate/10)),
				Latency: p.latency, Alerts: *scaleAlerts, RedisAddr: addr,
			}, func(line string) { logf(p, "  %s", line) })
			if err != nil {
				rows = append(rows, failed(id, name, err))
				continue
			}
			r := row{
				ID: id, Name: name,
				Figure: fmt.Sprintf("%.3f× R, %d late 429s", res.RateRatio, res.ThrottledLate),
				Bound:  fmt.Sprintf("R = %g/s", *scaleRate),
				Ratio:  fmt.Sprintf("%.3f×", res.RateRatio),
				Note: fmt.Sprintf("wall %s, %d requests, %d 429s (%d after 1 s), %d tickets, %d duplicates, %d missing",
					secs(res.Wall), res.Accepted, res.Throttled, res.ThrottledLate, res.Tickets, res.Duplicates, res.Missing),
			}
			if shared {
				r.Target = "≥ 0.90×, 0 late 429s, 0 dup"
				r.Verdict = verdict(res.RateRatio >= 0.90 && res.ThrottledLate == 0 && res.Duplicates == 0 && res.Missing == 0)
			} else {
				r.Target = "baseline, 0 dup"
				r.Verdict = "info"
				if res.Duplicates != 0 || res.Missing != 0 {
					r.Verdict = "MISS"
				}
			}
			rows = append(rows, r)
		}
	}
	rtt, err := scaleout.RedisRoundTrip(ctx, addr, *scaleRTT)
	if err != nil {
		return append(rows, failed("8i", "Redis round trip per request", err))
	}
	frac := float64(rtt) / float64(p.latency)
	rows = append(rows, row{
		ID: "8i", Name: "Redis round trip per request",
		Figure: fmt.Sprintf("%.1f µs", float64(rtt)/float64(time.Microsecond)),
		Bound:  "one PSA call " + secs(p.latency),
		Ratio:  fmt.Sprintf("%.2f%%", frac*100),
		Target: "< 10%", Verdict: verdict(frac < 0.10),
		Note: fmt.Sprintf("mean of %d shared-limiter Wait calls that never wait (one script run each)", *scaleRTT),
	})
	return rows
}
