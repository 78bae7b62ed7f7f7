package cluster_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cluster"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/internal/redistest"
)

// job is what a worker syncs: enough to rebuild the same alerts in a child
// process.
type job struct {
	PSA                    psaConfig
	Redis, Prefix, Source  string
	N, Company, Board, New int
	LeaseTTL               time.Duration
}

func (j job) alerts() []ticketsync.Alert {
	out := make([]ticketsync.Alert, j.N)
	for i := range out {
		out[i] = ticketsync.Alert{
			Key:     fmt.Sprintf("dev-%03d/cpu", i),
			Company: connectwise.Ref{ID: j.Company},
			Board:   connectwise.Ref{ID: j.Board},
			Status:  connectwise.Ref{ID: j.New},
			Summary: fmt.Sprintf("CPU high on device %d", i),
			Start:   time.Date(2026, 11, 20, 10, 0, i, 0, time.UTC),
		}
	}
	return out
}

// syncer builds what one worker process has: its own PSA client paced by
// the shared budget, its own Redis connections, the shared lease.
func (j job) syncer(rdb redis.UniversalClient) (*ticketsync.Syncer, error) {
	budget, err := cluster.PSABudget(connectwise.Config(j.PSA))
	if err != nil {
		return nil, err
	}
	lim, err := cluster.NewLimiter(rdb, budget, 200, 5, cluster.WithPrefix(j.Prefix), cluster.WithFallbackRate(50))
	if err != nil {
		return nil, err
	}
	c, err := connectwise.NewClient(connectwise.Config(j.PSA), connectwise.WithLimiter(lim),
		connectwise.WithRetry(8, time.Millisecond, 20*time.Millisecond), connectwise.WithMaxRetryAfter(50*time.Millisecond))
	if err != nil {
		return nil, err
	}
	lk, err := cluster.NewLocker(rdb, cluster.WithPrefix(j.Prefix), cluster.WithLeaseTTL(j.LeaseTTL))
	if err != nil {
		return nil, err
	}
	return ticketsync.New(c, ticketsync.Policy{Source: j.Source, Locker: lk, Concurrency: 2})
}

const workerEnv = "PSABRIDGE_CLUSTER_TEST_WORKER"

// TestMain lets the test binary run as a worker process, so that a test
// can kill one with SIGKILL.
func TestMain(m *testing.M) {
	if spec := os.Getenv(workerEnv); spec != "" {
		var j job
		if err := json.Unmarshal([]byte(spec), &j); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		rdb := redis.NewClient(&redis.Options{Addr: j.Redis})
		s, err := j.syncer(rdb)
		if err == nil {
			_, err = s.Sync(context.Background(), j.alerts())
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type psa struct {
	srv *cwtest.Server
	job job
}

func newPSA(t *testing.T, redisAddr, source string, n int, opts ...cwtest.Option) *psa {
	t.Helper()
	srv := cwtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	b, ok := srv.BoardByName("Service Desk")
	if !ok {
		t.Fatal("no Service Desk board")
	}
	j := job{PSA: psaConfig(srv.Config()), Redis: redisAddr, Prefix: redistest.Prefix(t), Source: source, N: n, Board: b.ID, LeaseTTL: time.Second}
	for _, st := range srv.Statuses(b.ID) {
		if st.Name == "New" {
			j.New = st.ID
		}
	}
	for _, c := range srv.Companies() {
		if !c.DeletedFlag {
			j.Company = c.ID
			break
		}
	}
	return &psa{srv: srv, job: j}
}

// tally counts the source's tickets: keys with exactly one, duplicates
// (tickets beyond the first of a key, open or retired), and keys missing.
func (p *psa) tally() (one, dups, missing int) {
	per := map[string]int{}
	for _, t := range p.srv.Tickets() {
		x := strings.TrimPrefix(t.ExternalXRef, "dup-")
		rest, ok := strings.CutPrefix(x, p.job.Source+":")
		if !ok {
			continue
		}
		per[rest[:strings.IndexByte(rest, '#')]]++
	}
	for _, a := range p.job.alerts() {
		switch n := per[a.Key]; {
		case n == 0:
			missing++
		case n == 1:
			one++
		default:
			one++
			dups += n - 1
		}
	}
	return one, dups, missing
}

// deletes counts duplicates a sync had to remove: zero when no two workers
// ever synced the scope at once (deleted ones leave a DELETE in the log).
func (p *psa) deletes() int { return p.srv.CountRequests("DELETE", "/service/tickets/") }

func (p *psa) check(t *testing.T, fault string) {
	t.Helper()
	one, dups, missing := p.tally()
	t.Logf("%s: %d keys with one ticket, %d duplicates, %d missing, %d duplicates repaired (DELETE)", fault, one, dups, missing, p.deletes())
	if dups != 0 || missing != 0 || one != p.job.N {
		t.Fatalf("%s: %d one-ticket keys of %d, %d duplicates, %d missing", fault, one, p.job.N, dups, missing)
	}
}

// checkOneAtATime is check for runs whose workers must never sync the
// scope together: no duplicate was even created and repaired, and each
// alert was created exactly once.
func (p *psa) checkOneAtATime(t *testing.T, fault string) {
	t.Helper()
	p.check(t, fault)
	if n := p.deletes(); n != 0 {
		t.Fatalf("%d duplicates were created and repaired: two workers synced at once", n)
	}
	// Lookups of many keys POST to .../search; the rest are creates.
	if got := p.srv.CountRequests("POST", "/service/tickets") - p.srv.CountRequests("POST", "/service/tickets/search"); got != p.job.N {
		t.Fatalf("%d creates for %d alerts", got, p.job.N)
	}
}

// syncUntilDone runs a worker's sync until it succeeds, as a worker loop
// would after a failed run.
func syncUntilDone(t *testing.T, s *ticketsync.Syncer, alerts []ticketsync.Alert) (runs int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for {
		runs++
		_, err := s.Sync(ctx, alerts)
		if err == nil {
			return runs
		}
		if ctx.Err() != nil {
			t.Fatalf("sync never succeeded: %v", err)
		}
		t.Logf("run %d: %v (retrying)", runs, err)
	}
}

// Four workers (separate clients and Redis pools) released at the same
// instant on one scope: the lease lets one sync at a time, so no duplicate
// is ever created, not even one that repair later removes.
func TestFaultSameScopeSameInstant(t *testing.T) {
	addr := redistest.Addr(t)
	p := newPSA(t, addr, "instant", 30, cwtest.WithLatency(2*time.Millisecond))
	var syncers []*ticketsync.Syncer
	for range 4 {
		s, err := p.job.syncer(clientFor(t, addr))
		if err != nil {
			t.Fatal(err)
		}
		syncers = append(syncers, s)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make([]error, len(syncers))
	for i, s := range syncers {
		wg.Go(func() {
			<-start
			_, errs[i] = s.Sync(context.Background(), p.job.alerts())
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	p.checkOneAtATime(t, "same scope, same instant")
}

// A worker process killed with SIGKILL mid-sync frees its scope within the
// lease time, and the next worker finishes the work with no duplicate.
func TestFaultWorkerKilledMidSync(t *testing.T) {
	addr := redistest.Addr(t)
	p := newPSA(t, addr, "killed", 60, cwtest.WithLatency(20*time.Millisecond))
	spec, _ := json.Marshal(p.job)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), workerEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if one, _, _ := p.tally(); one >= 10 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the worker created nothing in 30s")
		}
		time.Sleep(5 * time.Millisecond) // watching another process: no clock to inject
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	before, _, _ := p.tally()
	killedAt := time.Now()
	s, err := p.job.syncer(clientFor(t, addr))
	if err != nil {
		t.Fatal(err)
	}
	runs := syncUntilDone(t, s, p.job.alerts())
	waited := time.Since(killedAt)
	t.Logf("killed worker left %d of %d tickets; successor finished in %s (%d run)", before, p.job.N, waited.Round(time.Millisecond), runs)
	if before >= p.job.N {
		t.Fatal("the worker finished before it was killed; the test wants a partial sync")
	}
	// The successor waits out at most the dead worker's lease, then syncs
	// the remaining alerts (generous: the machine may be busy).
	if waited > p.job.LeaseTTL+20*time.Second {
		t.Fatalf("successor took %s; the scope should free within the %s lease", waited, p.job.LeaseTTL)
	}
	p.check(t, "worker killed mid-sync")
}

// Redis restarted (without persistence) while a sync runs: the lease is
// forgotten, the sync stops at its next check, and the worker's next run
// finishes with nothing duplicated or lost.
func TestFaultRedisRestartedMidRun(t *testing.T) {
	srv := redistest.Start(t)
	p := newPSA(t, srv.Addr(), "restart", 40, cwtest.WithLatency(5*time.Millisecond))
	s, err := p.job.syncer(clientFor(t, srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	restarted := make(chan struct{})
	go func() {
		for {
			if one, _, _ := p.tally(); one >= 10 {
				once.Do(func() { srv.Restart(); close(restarted) })
				return
			}
			time.Sleep(2 * time.Millisecond) // watching the simulator from outside the sync
		}
	}()
	runs := syncUntilDone(t, s, p.job.alerts())
	<-restarted
	t.Logf("finished after %d runs", runs)
	p.check(t, "Redis restarted mid-run")
}

// Redis answering nothing for longer than the client's timeout mid-sync:
// the limiter paces locally, the lease trusts its last renewal, and the
// sync completes.
func TestFaultRedisSlow(t *testing.T) {
	srv := redistest.Start(t)
	p := newPSA(t, srv.Addr(), "slow", 40, cwtest.WithLatency(5*time.Millisecond))
	p.job.LeaseTTL = 3 * time.Second
	s, err := p.job.syncer(clientFor(t, srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	go func() {
		for {
			if one, _, _ := p.tally(); one >= 5 {
				once.Do(func() {
					if err := srv.Pause(600 * time.Millisecond); err != nil {
						t.Error(err)
					}
				})
				return
			}
			time.Sleep(2 * time.Millisecond) // watching the simulator from outside the sync
		}
	}()
	runs := syncUntilDone(t, s, p.job.alerts())
	t.Logf("finished after %d runs", runs)
	p.check(t, "Redis slow")
}

// A worker whose lease another took over (simulated by overwriting its
// token, as an expiry and a successor's SET would) writes nothing more.
func TestFaultLeaseTakenOverStopsWrites(t *testing.T) {
	addr := redistest.Addr(t)
	p := newPSA(t, addr, "takeover", 30)
	rdb := clientFor(t, addr)
	j := p.job
	budget, _ := cluster.PSABudget(connectwise.Config(j.PSA))
	lim, err := cluster.NewLimiter(rdb, budget, 1000, 10, cluster.WithPrefix(j.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	c, err := connectwise.NewClient(connectwise.Config(j.PSA), connectwise.WithLimiter(lim))
	if err != nil {
		t.Fatal(err)
	}
	lk, err := cluster.NewLocker(rdb, cluster.WithPrefix(j.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	s, err := ticketsync.New(c, ticketsync.Policy{Source: j.Source, Locker: lk, Concurrency: 1, Progress: func(pr ticketsync.Progress) {
		if pr.Done == 5 {
			once.Do(func() {
				keys, err := rdb.Keys(context.Background(), j.Prefix+"lease:*").Result()
				if err != nil || len(keys) != 1 {
					t.Errorf("lease keys %v, %v", keys, err)
					return
				}
				rdb.Set(context.Background(), keys[0], "another-worker", time.Minute)
			})
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Sync(context.Background(), j.alerts())
	if !errors.Is(err, ticketsync.ErrLeaseLost) {
		t.Fatalf("err = %v, want ErrLeaseLost", err)
	}
	if one, dups, _ := p.tally(); one != 5 || dups != 0 {
		t.Fatalf("%d tickets written, %d duplicates; want exactly the 5 written before the takeover", one, dups)
	}
	// The usurper's lease is untouched by our Release.
	keys, _ := rdb.Keys(context.Background(), j.Prefix+"lease:*").Result()
	if len(keys) != 1 || rdb.Get(context.Background(), keys[0]).Val() != "another-worker" {
		t.Fatal("the stale holder's Release freed its successor's lease")
	}
}

func TestLockerExcludesAndReleases(t *testing.T) {
	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	a, _ := cluster.NewLocker(clientFor(t, addr), cluster.WithPrefix(prefix))
	b, _ := cluster.NewLocker(clientFor(t, addr), cluster.WithPrefix(prefix))
	scope := ticketsync.Scope{Site: "https://api-na.example", Company: "acme", Source: "s"}
	la, err := a.Lock(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := b.Lock(ctx, scope); err == nil {
		t.Fatal("a second worker took a held scope")
	}
	other := scope
	other.Company = "globex"
	lo, err := b.Lock(context.Background(), other)
	if err != nil {
		t.Fatalf("another tenant's scope is blocked: %v", err)
	}
	lo.Release()
	la.Release()
	lb, err := b.Lock(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	if err := lb.Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := la.Check(context.Background()); !errors.Is(err, ticketsync.ErrLeaseLost) {
		t.Fatalf("released lease checks %v, want ErrLeaseLost", err)
	}
	lb.Release()
}

// A sync longer than the lease TTL keeps its scope: renewal holds it, and
// another worker waiting for it gets it only after Release.
func TestLeaseRenewedPastTTL(t *testing.T) {
	addr := redistest.Addr(t)
	prefix := redistest.Prefix(t)
	const ttl = 400 * time.Millisecond
	a, _ := cluster.NewLocker(clientFor(t, addr), cluster.WithPrefix(prefix), cluster.WithLeaseTTL(ttl))
	b, _ := cluster.NewLocker(clientFor(t, addr), cluster.WithPrefix(prefix), cluster.WithLeaseTTL(ttl))
	scope := ticketsync.Scope{Site: "https://api-na.example", Company: "acme", Source: "long"}
	la, err := a.Lock(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	// Three TTLs: without renewal the key would long have expired.
	ctx, cancel := context.WithTimeout(context.Background(), 3*ttl)
	defer cancel()
	if _, err := b.Lock(ctx, scope); err == nil {
		t.Fatal("another worker took the scope while its holder was renewing it")
	}
	if err := la.Check(context.Background()); err != nil {
		t.Fatalf("holder lost a renewed lease: %v", err)
	}
	select {
	case <-la.Lost():
		t.Fatal("Lost closed on a renewed lease")
	default:
	}
	la.Release()
	lb, err := b.Lock(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	lb.Release()
}

// psaConfig carries the PSA credentials to a worker process whole:
// connectwise.Config marshals with its keys redacted, and
// MarshalJSONWithSecrets is the explicit way to hand them on.
type psaConfig connectwise.Config

// MarshalJSON keeps the keys, unlike connectwise.Config's.
func (c psaConfig) MarshalJSON() ([]byte, error) {
	return connectwise.Config(c).MarshalJSONWithSecrets()
}
