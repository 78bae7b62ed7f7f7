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
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/psabridge/psabridge/examples/internal/exampleenv"
	"github.com/psabridge/psabridge/internal/scaleout"
)

func main() {
	if scaleout.ChildMain() {
		return
	}
	exampleenv.Main("workers", func(ctx context.Context) error {
		err := run(ctx, os.Stdout, os.Args[1:])
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	})
}

// run parses args as the command line and runs the workers; tests call it
// with their own arguments.
func run(ctx context.Context, out io.Writer, args []string) error {
	fs := flag.NewFlagSet("workers", flag.ContinueOnError)
	fs.SetOutput(out)
	workers := fs.Int("workers", 4, "worker processes")
	rate := fs.Float64("rate", 40, "the PSA's server-side limit, requests/s")
	alerts := fs.Int("alerts", 40, "alerts (tickets) per worker")
	perProcess := fs.Bool("per-process", false, "give each worker its own limiter at the full rate instead of the shared budget")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *workers < 1 || *rate <= 0 || *alerts < 1 {
		return errors.New("need -workers >= 1, -rate > 0, -alerts >= 1")
	}
	// A run that hangs (a worker stuck on a dead Redis) ends on its own.
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	addr, stop, err := scaleout.StartRedis(ctx)
	if err != nil {
		return err
	}
	defer stop()
	mode := "one budget shared through Redis"
	if *perProcess {
		mode = "one limiter per process"
	}
	var mu sync.Mutex
	fmt.Fprintf(out, "%d workers, PSA limit %g req/s, %s (Redis %s)\n", *workers, *rate, mode, addr)
	res, err := scaleout.Run(ctx, scaleout.Config{
		Workers: *workers, Shared: !*perProcess, Rate: *rate, Burst: max(2, int(*rate/10)),
		Latency: 40 * time.Millisecond, Alerts: *alerts, RedisAddr: addr,
	}, func(line string) {
		// scaleout reports from one goroutine per worker.
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintln(out, "  "+line)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "aggregate: %d requests in %s = %.1f req/s (%.0f%% of the PSA's limit)\n",
		res.Accepted, res.Wall.Round(time.Millisecond), float64(res.Accepted)/res.Wall.Seconds(), res.RateRatio*100)
	fmt.Fprintf(out, "429s: %d (%d after the first second)\n", res.Throttled, res.ThrottledLate)
	fmt.Fprintf(out, "tickets: %d for %d alerts, %d duplicates, %d missing\n", res.Tickets, *workers**alerts, res.Duplicates, res.Missing)
	return nil
}
