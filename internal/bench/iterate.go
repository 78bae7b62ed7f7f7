package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/internal/bench/psabench"
)

// Scenario 4 runs its client in a child process (this program re-executed
// with childEnv set): the simulator holding 100,000 tickets lives in the
// parent, so the child's heap is the client's alone, and each peak-heap
// figure comes from a fresh process.
const childEnv = "PSABRIDGE_BENCH_CHILD"

type childJob struct {
	Mode   string             // "throughput" or "heap"
	Config connectwise.Config `json:"-"`
	// ConfigJSON carries Config with its keys: Config's own JSON form
	// redacts them.
	ConfigJSON json.RawMessage
	N          int
	Rounds     int
}

type childResult struct {
	// Throughput: best tickets/s of each reader, and one page's JSON size.
	IterPerSec, RawPerSec float64
	IterCount, RawCount   int
	PageBytes             int
	// Ratios are iterator/raw throughput of each alternating pair, sorted.
	Ratios []float64
	// Heap: peak heap object bytes while iterating (sampled, garbage
	// included), peak live heap (after a collection at each page, while
	// the page is held), and the live baseline before the first request.
	PeakHeap, PeakLive, BaseHeap uint64
	Count                        int
	Err                          string
}

// childMain runs a child job if this process is one; it reports whether
// it was.
func childMain() bool {
	spec := os.Getenv(childEnv)
	if spec == "" {
		return false
	}
	var job childJob
	var res childResult
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		res.Err = err.Error()
	} else if err := json.Unmarshal(job.ConfigJSON, &job.Config); err != nil {
		res.Err = err.Error()
	} else if err := job.run(&res); err != nil {
		res.Err = err.Error()
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return true
}

func (j childJob) run(res *childResult) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// Unlimited: this scenario measures the client's own cost, not pacing.
	c, err := connectwise.NewClient(j.Config, connectwise.WithRateLimit(0, 1))
	if err != nil {
		return err
	}
	switch j.Mode {
	case "throughput":
		hc := &http.Client{Transport: psabench.Transport()}
		if _, _, err := c.System.Info(ctx); err != nil {
			return err
		}
		body, err := rawPage(ctx, hc, j.Config)
		if err != nil {
			return err
		}
		res.PageBytes = len(body)
		for round := range j.Rounds {
			// Alternate which goes first, so neither always meets a
			// warmer or busier machine; each pair sees about the same
			// load, so its ratio is the figure, and their median the
			// result.
			var perSec [2]float64
			for k := range 2 {
				start := time.Now()
				if (round+k)%2 == 0 {
					n, err := iterate(ctx, c, j.N, nil)
					if err != nil {
						return err
					}
					res.IterCount, perSec[0] = n, float64(n)/time.Since(start).Seconds()
				} else {
					n, err := rawRead(ctx, hc, j.Config, j.N)
					if err != nil {
						return err
					}
					res.RawCount, perSec[1] = n, float64(n)/time.Since(start).Seconds()
				}
			}
			res.IterPerSec, res.RawPerSec = max(res.IterPerSec, perSec[0]), max(res.RawPerSec, perSec[1])
			res.Ratios = append(res.Ratios, perSec[0]/perSec[1])
		}
		slices.Sort(res.Ratios)
	case "heap":
		runtime.GC()
		res.BaseHeap = heapBytes()
		var peak atomic.Uint64
		peak.Store(res.BaseHeap)
		note := func() {
			for h := heapBytes(); ; {
				p := peak.Load()
				if h <= p || peak.CompareAndSwap(p, h) {
					return
				}
			}
		}
		// A sampler catches the peaks inside a page's decoding, which
		// the loop below never sees.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					note()
				}
			}
		})
		var live uint64
		n, err := iterate(ctx, c, j.N, func(i int) {
			switch {
			case i%connectwise.MaxPageSize == 0:
				// The first ticket of a page: the page is held and its
				// JSON was just decoded. What survives a collection now
				// is what the iterator keeps, whatever GOGC's pacing.
				note()
				runtime.GC()
				live = max(live, heapBytes())
			case i%100 == 0:
				note()
			}
		})
		close(stop)
		wg.Wait()
		if err != nil {
			return err
		}
		res.Count, res.PeakHeap, res.PeakLive = n, peak.Load(), live
	default:
		return fmt.Errorf("unknown child mode %q", j.Mode)
	}
	return nil
}

var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
var heapMu sync.Mutex

// heapBytes is the memory occupied by heap objects, live or not yet
// collected: what the process holds, as a peak.
func heapBytes() uint64 {
	heapMu.Lock()
	defer heapMu.Unlock()
	metrics.Read(heapSample)
	return heapSample[0].Value.Uint64()
}

// iterate walks up to n tickets with the SDK's iterator.
func iterate(ctx context.Context, c *connectwise.Client, n int, each func(int)) (int, error) {
	count, sum := 0, 0
	for t, err := range c.Tickets.All(ctx, &connectwise.ListOptions{ForwardOnly: true, PageSize: connectwise.MaxPageSize}) {
		if err != nil {
			return count, err
		}
		sum += t.ID + len(t.Summary)
		if each != nil {
			each(count)
		}
		if count++; count >= n {
			break
		}
	}
	runtime.KeepAlive(sum)
	return count, nil
}

// rawPage reads the first page of tickets as bytes, to report its size.
func rawPage(ctx context.Context, hc *http.Client, cfg connectwise.Config) ([]byte, error) {
	req, err := psabench.TicketPageRequest(ctx, cfg, 0)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// rawRead reads up to n tickets, the same pages as the iterator, with
// plain net/http and encoding/json, decoding into the same type.
func rawRead(ctx context.Context, hc *http.Client, cfg connectwise.Config, n int) (int, error) {
	count, sum := 0, 0
	for t, err := range psabench.Tickets(ctx, hc, cfg, func(t connectwise.Ticket) int { return t.ID }) {
		if err != nil {
			return count, err
		}
		sum += t.ID + len(t.Summary)
		if count++; count >= n {
			break
		}
	}
	runtime.KeepAlive(sum)
	return count, nil
}

// runChild re-executes this program as a child job.
func runChild(ctx context.Context, job childJob) (childResult, error) {
	var res childResult
	exe, err := os.Executable()
	if err != nil {
		return res, err
	}
	if job.ConfigJSON, err = job.Config.MarshalJSONWithSecrets(); err != nil {
		return res, err
	}
	spec, err := json.Marshal(job)
	if err != nil {
		return res, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), childEnv+"="+string(spec))
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return res, fmt.Errorf("child %s: %v: %s", job.Mode, err, strings.TrimSpace(errb.String()))
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		return res, fmt.Errorf("child %s: %v", job.Mode, err)
	}
	if res.Err != "" {
		return res, errors.New(res.Err)
	}
	return res, nil
}

func runIterate(ctx context.Context, p params) []row {
	srv, cfg := psabench.NewTicketServer(p.iterN)
	defer srv.Close()
	logf(p, "scenario 4: iterating %d tickets, %d rounds", p.iterN, p.iterRounds)
	tp, err := runChild(ctx, childJob{Mode: "throughput", Config: cfg, N: p.iterN, Rounds: p.iterRounds})
	if err != nil {
		return []row{failed("4a", "iterate", err)}
	}
	r := tp.Ratios[len(tp.Ratios)/2]
	rows := []row{{
		ID: "4a", Name: fmt.Sprintf("iterate %d tickets: throughput", p.iterN),
		Figure: fmt.Sprintf("%.0f tickets/s", tp.IterPerSec), Bound: fmt.Sprintf("raw %.0f/s", tp.RawPerSec), Ratio: fmt.Sprintf("%.3f×", r), Target: "≥ 0.9×",
		Verdict: verdict(r >= 0.9 && tp.IterCount == p.iterN && tp.RawCount == p.iterN),
		Note: fmt.Sprintf("median of %d alternating pairs of full passes (pairs ranged %.2f–%.2f×), best pass of each shown; client in a child process, simulator in this one; both decode into connectwise.Ticket",
			len(tp.Ratios), tp.Ratios[0], tp.Ratios[len(tp.Ratios)-1]),
	}}
	small := min(10000, p.iterN/10)
	var heaps [2]childResult
	for i, n := range []int{small, p.iterN} {
		if heaps[i], err = runChild(ctx, childJob{Mode: "heap", Config: cfg, N: n}); err != nil {
			return append(rows, failed("4b", "iterate: peak heap", err))
		}
	}
	page := float64(tp.PageBytes)
	grow := float64(heaps[1].PeakLive) - float64(heaps[0].PeakLive)
	_, hs := ratio(float64(heaps[1].PeakLive), float64(heaps[0].PeakLive))
	rows = append(rows, row{
		ID: "4b", Name: fmt.Sprintf("iterate: peak live heap, N=%d vs N=%d", p.iterN, small),
		Figure: mib(heaps[1].PeakLive), Bound: mib(heaps[0].PeakLive), Ratio: hs, Target: "growth ≤ 2 pages",
		Verdict: verdict(grow <= 2*page && heaps[0].Count == small && heaps[1].Count == p.iterN),
		Note: fmt.Sprintf("growth %+.2f pages (a 1000-ticket page is %s of JSON); peak live %.1f pages above the %s baseline; sampled peak heap with garbage %s at N=%d, %s at N=%d (GOGC's 4 MiB minimum heap dominates it)",
			grow/page, mib(uint64(tp.PageBytes)), float64(heaps[1].PeakLive-heaps[1].BaseHeap)/page, mib(heaps[1].BaseHeap),
			mib(heaps[0].PeakHeap), small, mib(heaps[1].PeakHeap), p.iterN),
	})
	return rows
}
