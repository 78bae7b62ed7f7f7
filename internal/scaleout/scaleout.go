// Package scaleout runs N worker processes that sync different PSA
// companies on one PSA credential against one simulator, with either one
// rate budget shared through Redis (connectwise/cluster) or one limiter per
// process, and measures what the PSA saw. examples/workers and the
// benchmark program (internal/bench, scenario 8) both drive it.
//
// Workers are the calling binary itself, re-executed: a program using Run
// calls ChildMain first thing in main.
package scaleout

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cluster"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// Config is one run.
type Config struct {
	// Workers is the number of worker processes.
	Workers int
	// Shared paces all workers with one cluster.Limiter; otherwise each
	// has its own in-process limiter at the full budget, as N copies of a
	// single-process integration would.
	Shared bool
	// Rate and Burst are the PSA's server-side limit (R). The client
	// budget is 95% of it, the headroom any client keeps for latency
	// jitter; per-process limiters get the same budget each.
	Rate  float64
	Burst int
	// Latency is added by the simulator to every response.
	Latency time.Duration
	// Alerts is how many alerts (tickets) each worker syncs.
	Alerts int
	// RedisAddr is the Redis the shared limiter uses.
	RedisAddr string
}

// Result is what the PSA saw.
type Result struct {
	Wall time.Duration
	// Accepted and Throttled are requests answered and refused (429).
	Accepted, Throttled int
	// ThrottledLate are 429s more than a second after the first request.
	ThrottledLate int
	// RateRatio is accepted requests per second over the run ÷ Rate.
	RateRatio float64
	// Tickets, Duplicates and Missing count the workers' tickets.
	Tickets, Duplicates, Missing int
}

const childEnv = "PSABRIDGE_SCALEOUT_WORKER"

// clientShare is the client budget as a share of the server's limit.
const clientShare = 0.95

type spec struct {
	PSA                    psaConfig
	Worker                 int
	Company, Board, Status int
	Alerts                 int
	Shared                 bool
	Rate                   float64
	Burst                  int
	Redis, Prefix          string
}

// ChildMain runs this process as a worker when it was started as one, and
// reports whether it did (the caller then returns from main).
func ChildMain() bool {
	raw := os.Getenv(childEnv)
	if raw == "" {
		return false
	}
	var s spec
	err := json.Unmarshal([]byte(raw), &s)
	if err == nil {
		err = s.run()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
	return true
}

func (s spec) alerts() []ticketsync.Alert {
	out := make([]ticketsync.Alert, s.Alerts)
	for i := range out {
		out[i] = ticketsync.Alert{
			Key:     fmt.Sprintf("w%d-dev-%04d", s.Worker, i),
			Company: connectwise.Ref{ID: s.Company},
			Board:   connectwise.Ref{ID: s.Board},
			Status:  connectwise.Ref{ID: s.Status},
			Summary: fmt.Sprintf("Alert %d of worker %d", i, s.Worker),
		}
	}
	return out
}

func source(worker int) string { return "scale-w" + strconv.Itoa(worker) }

func (s spec) run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	opts := []connectwise.Option{connectwise.WithRetry(20, 100*time.Millisecond, 5*time.Second)}
	if s.Shared {
		rdb, err := cluster.Dial(s.Redis)
		if err != nil {
			return err
		}
		defer rdb.Close()
		budget, err := cluster.PSABudget(connectwise.Config(s.PSA))
		if err != nil {
			return err
		}
		lim, err := cluster.NewLimiter(rdb, budget, s.Rate*clientShare, 1, cluster.WithPrefix(s.Prefix))
		if err != nil {
			return err
		}
		opts = append(opts, connectwise.WithLimiter(lim))
	} else {
		opts = append(opts, connectwise.WithRateLimit(s.Rate*clientShare, 1))
	}
	c, err := connectwise.NewClient(connectwise.Config(s.PSA), opts...)
	if err != nil {
		return err
	}
	sy, err := ticketsync.New(c, ticketsync.Policy{Source: source(s.Worker)})
	if err != nil {
		return err
	}
	rep, err := sy.Sync(ctx, s.alerts())
	if err != nil {
		return err
	}
	if len(rep.Failed) > 0 {
		return fmt.Errorf("%d alerts failed, first: %v", len(rep.Failed), rep.Failed[0].Err)
	}
	fmt.Println(rep.String())
	return nil
}

// Run starts the simulator and the workers, waits for all of them, and
// reads the simulator's request log. progress, when set, receives each
// worker's one-line report.
func Run(ctx context.Context, cfg Config, progress func(string)) (Result, error) {
	srv := cwtest.NewServer(cwtest.WithRateLimit(cfg.Rate, cfg.Burst), cwtest.WithLatency(cfg.Latency), cwtest.WithRequestLogSize(1_000_000))
	defer srv.Close()
	b, ok := srv.BoardByName("Service Desk")
	if !ok {
		return Result{}, errors.New("scaleout: simulator has no Service Desk board")
	}
	var status int
	for _, st := range srv.Statuses(b.ID) {
		if st.Name == "New" {
			status = st.ID
		}
	}
	if status == 0 {
		return Result{}, errors.New("scaleout: simulator seed lacks a New status")
	}
	// One fresh company per worker: each syncs a different MSP customer.
	companies := make([]int, cfg.Workers)
	for w := range companies {
		companies[w] = srv.AddCompany(cwtest.Company{Identifier: fmt.Sprintf("ScaleOut%d", w), Name: fmt.Sprintf("Scale-out customer %d", w)}).ID
	}
	exe, err := os.Executable()
	if err != nil {
		return Result{}, err
	}
	prefix := fmt.Sprintf("scaleout:%d:%d:", os.Getpid(), time.Now().UnixNano())
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, cfg.Workers)
	for w := range cfg.Workers {
		sp := spec{PSA: psaConfig(srv.Config()), Worker: w, Company: companies[w], Board: b.ID, Status: status,
			Alerts: cfg.Alerts, Shared: cfg.Shared, Rate: cfg.Rate, Burst: cfg.Burst, Redis: cfg.RedisAddr, Prefix: prefix}
		raw, _ := json.Marshal(sp)
		cmd := exec.CommandContext(ctx, exe)
		cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return Result{}, err
		}
		if err := cmd.Start(); err != nil {
			return Result{}, err
		}
		wg.Go(func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if progress != nil {
					progress(fmt.Sprintf("worker %d: %s", w, sc.Text()))
				}
			}
			if err := cmd.Wait(); err != nil {
				errs[w] = fmt.Errorf("worker %d: %w: %s", w, err, strings.TrimSpace(stderr.String()))
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return Result{}, err
	}
	res := Result{Wall: wall}
	var first, last time.Time
	for _, r := range srv.Requests() {
		if first.IsZero() || r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
	}
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			res.Throttled++
			if r.Time.Sub(first) > time.Second {
				res.ThrottledLate++
			}
		} else {
			res.Accepted++
		}
	}
	if span := last.Sub(first).Seconds(); span > 0 {
		res.RateRatio = float64(res.Accepted) / span / cfg.Rate
	}
	per := map[string]int{}
	for _, t := range srv.Tickets() {
		if i := strings.LastIndexByte(t.ExternalXRef, '#'); strings.HasPrefix(t.ExternalXRef, "scale-w") && i > 0 {
			per[t.ExternalXRef[:i]]++
		}
	}
	for w := range cfg.Workers {
		for _, a := range (spec{Worker: w, Alerts: cfg.Alerts}).alerts() {
			n := per[source(w)+":"+a.Key]
			res.Tickets += n
			if n == 0 {
				res.Missing++
			} else {
				res.Duplicates += n - 1
			}
		}
	}
	return res, nil
}

// RedisRoundTrip is the mean cost of one shared-limiter Wait against the
// Redis at addr, with a budget high enough never to wait: what the shared
// budget adds to each request.
func RedisRoundTrip(ctx context.Context, addr string, calls int) (time.Duration, error) {
	rdb, err := cluster.Dial(addr)
	if err != nil {
		return 0, err
	}
	defer rdb.Close()
	l, err := cluster.NewLimiter(rdb, cluster.Budget("roundtrip.invalid", strconv.Itoa(os.Getpid())), 1e6, 1000,
		cluster.WithPrefix(fmt.Sprintf("scaleout-rtt:%d:", time.Now().UnixNano())))
	if err != nil {
		return 0, err
	}
	for range 50 { // warm the connection pool and the script cache
		if err := l.Wait(ctx); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	for range calls {
		if err := l.Wait(ctx); err != nil {
			return 0, err
		}
		l.Succeeded()
	}
	if !l.Shared() {
		return 0, errors.New("scaleout: limiter fell back to local pacing; Redis did not answer in time")
	}
	return time.Since(start) / time.Duration(calls), nil
}

// StartRedis returns the Redis in PSABRIDGE_REDIS_ADDR, or starts a
// redis-server (without persistence) on a free loopback port; stop ends
// it.
func StartRedis(ctx context.Context) (addr string, stop func(), err error) {
	if a := os.Getenv("PSABRIDGE_REDIS_ADDR"); a != "" {
		return a, func() {}, nil
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return "", nil, errors.New("redis-server is not installed (apt-get install redis-server) and PSABRIDGE_REDIS_ADDR is not set")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }
	rdb, err := cluster.Dial(addr)
	if err != nil {
		stop()
		return "", nil, err
	}
	defer rdb.Close()
	for deadline := time.Now().Add(5 * time.Second); ; {
		if rdb.Ping(ctx).Err() == nil {
			return addr, stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("redis-server on %s did not answer", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// psaConfig carries the PSA credentials to a worker process whole:
// connectwise.Config marshals with its keys redacted, and
// MarshalJSONWithSecrets is the explicit way to hand them on.
type psaConfig connectwise.Config

// MarshalJSON keeps the keys, unlike connectwise.Config's.
func (c psaConfig) MarshalJSON() ([]byte, error) {
	return connectwise.Config(c).MarshalJSONWithSecrets()
}
