// Command bench measures psabridge where a PSA integration actually spends
// its time: API calls, the server's rate budget and latency. It starts the
// PSA and INFIMA simulators on loopback, runs each scenario of the
// performance issue against them and prints one table of ratios, every
// figure and its bound or baseline measured in the same run, so that noise
// from a shared machine cancels out of the ratios.
//
//	go run ./internal/bench                       # default run, < 3 minutes on 2 cores
//	go run ./internal/bench -n 10000 -rate 50     # the full-size first sync
//	go run ./internal/bench -scenarios 1,2,3      # only some scenarios
//	go run ./internal/bench -scenarios 8          # scale-out workers (needs redis-server)
//	go run ./internal/bench -scenarios 9          # cold build cost of a tickets-only program (needs git history)
//
// Targets are goals for this program, never timed unit tests.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/internal/scaleout"
)

// params are the knobs of one run; every one is printed with the table.
type params struct {
	n              int
	rate           float64
	burst          int
	latency        time.Duration
	naiveSample    int
	iterN          int
	iterRounds     int
	overheadRounds int

	infimaClients, infimaUsers int
	infimaRate                 float64

	adaptiveDrop   float64
	adaptiveBefore time.Duration
	adaptiveAfter  time.Duration
	adaptiveConc   int

	scenarios []int
	verbose   bool
}

func main() {
	if childMain() || scaleout.ChildMain() {
		return
	}
	var p params
	var scen string
	flag.IntVar(&p.n, "n", 2000, "alerts in the first sync (scenarios 1-3)")
	flag.Float64Var(&p.rate, "rate", 100, "server-enforced PSA rate limit, requests/s (scenarios 1-3, 7)")
	flag.IntVar(&p.burst, "burst", 0, "server burst (0: a tenth of a second's worth, at least 2)")
	flag.DurationVar(&p.latency, "latency", 40*time.Millisecond, "latency the simulators add to every response")
	flag.IntVar(&p.naiveSample, "naive-sample", 100, "alerts the naive sequential sync really runs; its time is extrapolated to -n (0: run all)")
	flag.IntVar(&p.iterN, "iter-n", 100000, "tickets iterated in scenario 4")
	flag.IntVar(&p.iterRounds, "iter-rounds", 5, "scenario 4: alternating pairs of full passes, iterator and raw (the median pair is the ratio)")
	flag.IntVar(&p.overheadRounds, "overhead-rounds", 20, "scenario 5: alternating pairs of 500-call batches (client, raw)")
	flag.IntVar(&p.infimaClients, "infima-clients", 200, "INFIMA clients (scenario 6)")
	flag.IntVar(&p.infimaUsers, "infima-users", 50, "users per INFIMA client (scenario 6)")
	flag.Float64Var(&p.infimaRate, "infima-rate", 5, "client-side INFIMA rate, requests/s (scenario 6; the client's default is 5)")
	flag.Float64Var(&p.adaptiveDrop, "adaptive-drop", 0.5, "scenario 7: the server's new limit as a fraction of -rate")
	flag.DurationVar(&p.adaptiveBefore, "adaptive-before", 4*time.Second, "scenario 7: load at the original limit before it drops")
	flag.DurationVar(&p.adaptiveAfter, "adaptive-after", 24*time.Second, "scenario 7: load after the drop")
	flag.IntVar(&p.adaptiveConc, "adaptive-workers", 16, "scenario 7: concurrent callers (enough that the limiter, not latency, sets the pace)")
	flag.StringVar(&scen, "scenarios", "1,2,3,4,5,6,7", "comma-separated scenarios to run")
	flag.BoolVar(&p.verbose, "v", false, "print per-second detail besides the progress lines")
	flag.Parse()
	if p.burst <= 0 {
		p.burst = max(2, int(p.rate/10))
	}
	for _, s := range strings.Split(scen, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 9 {
			fmt.Fprintf(os.Stderr, "bench: bad scenario %q (want 1-9; 8 needs Redis, 9 the git history)\n", s)
			os.Exit(2)
		}
		p.scenarios = append(p.scenarios, n)
	}
	if p.n < 20 || p.rate <= 0 || p.iterN < 1000 || p.adaptiveBefore < 2*time.Second || p.adaptiveAfter < quiet+3*time.Second ||
		p.adaptiveDrop <= 0 || p.adaptiveDrop >= 1 || p.infimaRate <= 0 {
		fmt.Fprintf(os.Stderr, "bench: need -n >= 20, -rate > 0, -iter-n >= 1000, -adaptive-before >= 2s, -adaptive-after >= %s, 0 < -adaptive-drop < 1, -infima-rate > 0\n", quiet+3*time.Second)
		os.Exit(2)
	}

	// Bounded: nothing below runs longer than this, whatever the flags.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Hour)
	defer cancel()

	start := time.Now()
	printEnv(p)
	var t table
	want := func(n int) bool { return slices.Contains(p.scenarios, n) }
	// Run in this order; a stage runs when any of its scenarios was asked for.
	for _, sc := range []struct {
		scenarios []int
		title     string
		run       func(context.Context, params) []row
	}{
		{[]int{1, 2, 3}, "scenarios 1-3 (first sync, naive and re-sync)", func(ctx context.Context, p params) []row { return runSync(ctx, p, want) }},
		{[]int{4}, "scenario 4 (iteration)", runIterate},
		{[]int{5}, "scenario 5 (client overhead)", runOverhead},
		{[]int{6}, "scenario 6 (INFIMA initial sync)", runInfima},
		{[]int{7}, "scenario 7 (adaptive limiter)", runAdaptive},
		{[]int{8}, "scenario 8 (scale-out workers)", runScaleOut},
		{[]int{9}, "scenario 9 (cold build of a tickets-only program, before and after the whole API)", runBuildCost},
	} {
		if slices.ContainsFunc(sc.scenarios, want) {
			t.add(stage(os.Stderr, sc.title, func() []row { return sc.run(ctx, p) })...)
		}
	}
	fmt.Fprintln(os.Stderr)
	t.print(os.Stdout)
	fmt.Printf("\ntotal run time %s\n", time.Since(start).Round(100*time.Millisecond))
}

func printEnv(p params) {
	fmt.Printf("psabridge benchmark — %s %s/%s, NumCPU %d, GOMAXPROCS %d\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Printf("parameters: -n %d -rate %g -burst %d -latency %s -naive-sample %d -iter-n %d -iter-rounds %d -overhead-rounds %d\n",
		p.n, p.rate, p.burst, p.latency, p.naiveSample, p.iterN, p.iterRounds, p.overheadRounds)
	fmt.Printf("            -infima-clients %d -infima-users %d -infima-rate %g -adaptive-drop %g -adaptive-before %s -adaptive-after %s -adaptive-workers %d\n",
		p.infimaClients, p.infimaUsers, p.infimaRate, p.adaptiveDrop, p.adaptiveBefore, p.adaptiveAfter, p.adaptiveConc)
	fmt.Println("servers: cwtest and infimatest on 127.0.0.1; every ratio compares figures taken in this run")
	fmt.Println()
}

// heartbeat is how often stage says a long scenario is still running.
const heartbeat = 5 * time.Second

// stage runs one group of scenarios and reports on w (stderr, so stdout
// stays the table) when it starts, every heartbeat while it runs, and each
// result as it ends: a default run takes minutes and must not look hung.
func stage(w io.Writer, name string, run func() []row) []row {
	start := time.Now()
	fmt.Fprintf(w, "running %s\n", name)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(heartbeat)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				fmt.Fprintf(w, "  … still running, %s so far\n", time.Since(start).Round(time.Second))
			}
		}
	})
	rows := run()
	close(done)
	wg.Wait()
	for _, r := range rows {
		fmt.Fprintf(w, "  %-3s %-7s %s: %s\n", r.ID, r.Verdict, r.Name, r.Figure)
	}
	fmt.Fprintf(w, "  done in %s\n", time.Since(start).Round(100*time.Millisecond))
	return rows
}

// logf prints progress to stderr, so that stdout stays the table.
func logf(p params, format string, args ...any) {
	if p.verbose {
		fmt.Fprintf(os.Stderr, "  "+format+"\n", args...)
	}
}
