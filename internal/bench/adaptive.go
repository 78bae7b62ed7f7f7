package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// quiet is how long a run must go without a 429 after the last one for
// the client to count as settled.
const quiet = 10 * time.Second

// runAdaptive keeps a client busy at the PSA's limit, then lowers the
// limit on the server, and reads the server's log to see how fast the
// client's adaptive limiter settles at the new rate and how many 429s that
// took.
func runAdaptive(ctx context.Context, p params) []row {
	f, err := newPSA(ctx, p.rate, p.burst, p.latency, 1_000_000)
	if err != nil {
		return []row{failed("7", "adaptive rate", err)}
	}
	defer f.srv.Close()
	newRate := p.rate * p.adaptiveDrop
	newBurst := max(2, int(newRate/10))
	logf(p, "scenario 7: %g req/s for %s, then %g req/s for %s", p.rate, p.adaptiveBefore, newRate, p.adaptiveAfter)

	start := time.Now()
	change := start.Add(p.adaptiveBefore)
	end := change.Add(p.adaptiveAfter)
	runCtx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	var errs atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range p.adaptiveConc {
		wg.Go(func() {
			for runCtx.Err() == nil {
				_, _, err := f.client.System.Info(runCtx)
				if errors.Is(err, context.DeadlineExceeded) {
					// The limiter refuses a wait that would end past the
					// run's deadline: the run is over for this caller.
					return
				}
				if err != nil && runCtx.Err() == nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err)
				}
			}
		})
	}
	time.Sleep(time.Until(change))
	f.srv.SetRateLimit(newRate, newBurst)
	wg.Wait()

	// Per-second accepted and refused requests, from the server's log.
	secsTotal := int((p.adaptiveBefore + p.adaptiveAfter) / time.Second)
	ok := make([]int, secsTotal+1)
	refused := make([]int, secsTotal+1)
	var last429, first429 time.Time
	throttled, waves := 0, 0
	var prev time.Time
	for _, r := range f.srv.Requests() {
		i := int(r.Time.Sub(start) / time.Second)
		if i < 0 || i > secsTotal {
			continue
		}
		if r.Status == http.StatusTooManyRequests {
			refused[i]++
			if r.Time.After(change) {
				throttled++
				if first429.IsZero() {
					first429 = r.Time
				}
				// 429s more than half a second apart are separate waves,
				// each a separate cut of the client's rate.
				if prev.IsZero() || r.Time.Sub(prev) > 500*time.Millisecond {
					waves++
				}
				prev, last429 = r.Time, r.Time
			}
			continue
		}
		ok[i]++
	}
	if p.verbose {
		var b strings.Builder
		for i := range secsTotal {
			fmt.Fprintf(&b, " %d:%d/%d", i, ok[i], refused[i])
		}
		fmt.Fprintf(os.Stderr, "  scenario 7 per second (ok/429):%s\n", b.String())
	}
	// Accepted rate over a span of whole seconds [from, to).
	rateOver := func(from, to int) float64 {
		n := 0
		for i := from; i < to; i++ {
			n += ok[i]
		}
		return float64(n) / float64(to-from)
	}
	beforeSecs := int(p.adaptiveBefore / time.Second)
	tail := int(quiet / time.Second)
	before := rateOver(1, beforeSecs)
	after := rateOver(secsTotal-tail, secsTotal)

	// The first second after the drop from which the accepted rate, as a
	// three-second moving average (one slow second on a busy machine is
	// not the limiter's doing), stays at 90% of the new limit or more.
	reach := -1
	for i := secsTotal - 3; i >= beforeSecs; i-- {
		if rateOver(i, i+3) < 0.9*newRate {
			break
		}
		reach = i
	}
	settle := time.Duration(0)
	if !last429.IsZero() {
		settle = last429.Sub(change)
	}
	settled := last429.IsZero() || end.Sub(last429) >= quiet
	rows := []row{}
	rb, rbs := ratio(before, p.rate)
	rows = append(rows, row{
		ID: "7a", Name: fmt.Sprintf("adaptive: rate before the drop (%g/s)", p.rate),
		Figure: fmt.Sprintf("%.1f/s", before), Bound: fmt.Sprintf("limit %g/s", p.rate), Ratio: rbs, Target: "≥ 0.95×",
		Verdict: verdict(rb >= 0.95),
	})
	firstAfter := "none"
	if !first429.IsZero() {
		firstAfter = secs(first429.Sub(change))
	}
	settleFig := secs(settle)
	if !settled {
		settleFig = "not settled"
	}
	rows = append(rows, row{
		ID: "7b", Name: fmt.Sprintf("adaptive: limit drops to %g/s, time to the last 429", newRate),
		Figure: settleFig, Bound: fmt.Sprintf("run %s after", p.adaptiveAfter), Ratio: "-", Target: "≤ 10 s (ours)",
		Verdict: verdict(settled && settle <= 10*time.Second),
		Note: fmt.Sprintf("%d 429s in %d waves after the drop (first %s after it); %d calls failed",
			throttled, waves, firstAfter, errs.Load()),
	})
	reachFig, reached := "never", reach >= 0
	if reached {
		reachFig = fmt.Sprintf("%d s", reach-beforeSecs)
	}
	rows = append(rows, row{
		ID: "7c", Name: "adaptive: time until the rate holds ≥ 90% of the new limit",
		Figure: reachFig, Bound: fmt.Sprintf("run %s after", p.adaptiveAfter), Ratio: "-", Target: "≤ 10 s (ours)",
		Verdict: verdict(reached && reach-beforeSecs <= 10),
		Note:    "whole seconds from the one the limit dropped in to the first of the 3-second windows that all average ≥ 90% of it",
	})
	ra, ras := ratio(after, newRate)
	rows = append(rows, row{
		ID: "7d", Name: fmt.Sprintf("adaptive: rate in the last %s", quiet),
		Figure: fmt.Sprintf("%.1f/s", after), Bound: fmt.Sprintf("new limit %g/s", newRate), Ratio: ras, Target: "≥ 0.90× (ours)",
		Verdict: verdict(ra >= 0.90),
	})
	rows = append(rows, row{
		ID: "7e", Name: "adaptive: 429s after the drop",
		Figure: fmt.Sprint(throttled), Bound: fmt.Sprintf("%d waves", waves), Ratio: "-", Target: "report", Verdict: "info",
	})
	if e, _ := firstErr.Load().(error); e != nil {
		rows[len(rows)-1].Note = "first failure: " + e.Error()
	}
	return rows
}
