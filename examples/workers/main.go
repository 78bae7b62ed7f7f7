// Command workers shows many worker processes holding one PSA budget. It
// starts the PSA simulator with a server-side limit, one Redis (the one in
// PSABRIDGE_REDIS_ADDR, else a local redis-server), and N worker processes
// (this program, re-executed), each syncing its own PSA company's alerts on
// the same PSA credential through a connectwise/cluster Limiter. It prints
// the aggregate request rate, the 429s and the tickets.
//
//	go run ./examples/workers                 # 4 workers, shared budget
//	go run ./examples/workers -workers 8 -per-process   # what happens without it
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/psabridge/psabridge/internal/scaleout"
)

func main() {
	if scaleout.ChildMain() {
		return
	}
	workers := flag.Int("workers", 4, "worker processes")
	rate := flag.Float64("rate", 40, "the PSA's server-side limit, requests/s")
	alerts := flag.Int("alerts", 40, "alerts (tickets) per worker")
	perProcess := flag.Bool("per-process", false, "give each worker its own limiter at the full rate instead of the shared budget")
	flag.Parse()
	if *workers < 1 || *rate <= 0 || *alerts < 1 {
		fmt.Fprintln(os.Stderr, "workers: need -workers >= 1, -rate > 0, -alerts >= 1")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	addr, stop, err := scaleout.StartRedis(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "workers:", err)
		os.Exit(1)
	}
	defer stop()
	mode := "one budget shared through Redis"
	if *perProcess {
		mode = "one limiter per process"
	}
	fmt.Printf("%d workers, PSA limit %g req/s, %s (Redis %s)\n", *workers, *rate, mode, addr)
	res, err := scaleout.Run(ctx, scaleout.Config{
		Workers: *workers, Shared: !*perProcess, Rate: *rate, Burst: max(2, int(*rate/10)),
		Latency: 40 * time.Millisecond, Alerts: *alerts, RedisAddr: addr,
	}, func(line string) { fmt.Println("  " + line) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "workers:", err)
		os.Exit(1)
	}
	fmt.Printf("aggregate: %d requests in %s = %.1f req/s (%.0f%% of the PSA's limit)\n",
		res.Accepted, res.Wall.Round(time.Millisecond), float64(res.Accepted)/res.Wall.Seconds(), res.RateRatio*100)
	fmt.Printf("429s: %d (%d after the first second)\n", res.Throttled, res.ThrottledLate)
	fmt.Printf("tickets: %d for %d alerts, %d duplicates, %d missing\n", res.Tickets, *workers**alerts, res.Duplicates, res.Missing)
}
