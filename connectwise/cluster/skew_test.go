package cluster_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cluster"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/internal/redistest"
)

// skew is how far the two workers' clocks are off: one ahead, one behind,
// ten minutes apart, far beyond any lease or budget window.
const skew = 5 * time.Minute

// skewed is a worker's clock that is off by d. Each worker is consistent
// with itself, as a machine with a wrong clock is.
func skewed(d time.Duration) func() time.Time {
	return func() time.Time { return time.Now().Add(d) }
}

// holders wraps workers' Lockers to see, from outside Redis, how many
// workers hold the scope at once.
type holders struct {
	now, most atomic.Int32
	mu        sync.Mutex
	per       map[string]int
}

func (h *holders) wrap(name string, l ticketsync.Locker) ticketsync.Locker {
	return countingLocker{h: h, name: name, l: l}
}

type countingLocker struct {
	h    *holders
	name string
	l    ticketsync.Locker
}

func (c countingLocker) Lock(ctx context.Context, s ticketsync.Scope) (ticketsync.Lease, error) {
	le, err := c.l.Lock(ctx, s)
	if err != nil {
		return nil, err
	}
	n := c.h.now.Add(1)
	for {
		m := c.h.most.Load()
		if n <= m || c.h.most.CompareAndSwap(m, n) {
			break
		}
	}
	c.h.mu.Lock()
	c.h.per[c.name]++
	c.h.mu.Unlock()
	return &countingLease{Lease: le, h: c.h}, nil
}

type countingLease struct {
	ticketsync.Lease
	h    *holders
	once sync.Once
}

// Release counts the holder out before freeing the scope, so that the next
// holder is never counted while this one still is.
func (l *countingLease) Release() {
	l.once.Do(func() { l.h.now.Add(-1) })
	l.Lease.Release()
}

// skewedSyncer is one worker whose clock is off by d: its own Redis pool,
// limiter, locker and PSA client, all on that clock.
func skewedSyncer(t *testing.T, p *psa, addr string, d time.Duration, h *holders, name string) *ticketsync.Syncer {
	t.Helper()
	j := p.job
	rdb := clientFor(t, addr)
	clock := cluster.WithClock(skewed(d))
	budget, err := cluster.PSABudget(connectwise.Config(j.PSA))
	if err != nil {
		t.Fatal(err)
	}
	lim, err := cluster.NewLimiter(rdb, budget, 200, 5, cluster.WithPrefix(j.Prefix), cluster.WithFallbackRate(50), clock)
	if err != nil {
		t.Fatal(err)
	}
	c, err := connectwise.NewClient(connectwise.Config(j.PSA), connectwise.WithLimiter(lim),
		connectwise.WithRetry(8, time.Millisecond, 20*time.Millisecond), connectwise.WithMaxRetryAfter(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	lk, err := cluster.NewLocker(rdb, cluster.WithPrefix(j.Prefix), cluster.WithLeaseTTL(j.LeaseTTL), clock)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ticketsync.New(c, ticketsync.Policy{Source: j.Source, Locker: h.wrap(name, lk), Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Two workers on one scope, one clock five minutes ahead and one five
// minutes behind, released at the same instant for 20 rounds, each round
// with two more alerts: exactly one holds the scope at a time, every alert
// has exactly one ticket, and no duplicate was ever created (not even one
// that repair removed).
func TestSkewWorkersSyncOneScope(t *testing.T) {
	addr := redistest.Addr(t)
	const rounds = 20
	p := newPSA(t, addr, "skew", 2*rounds, cwtest.WithLatency(2*time.Millisecond))
	h := &holders{per: map[string]int{}}
	workers := []*ticketsync.Syncer{
		skewedSyncer(t, p, addr, +skew, h, "ahead"),
		skewedSyncer(t, p, addr, -skew, h, "behind"),
	}
	all := p.job.alerts()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	for r := range rounds {
		alerts := all[:2*(r+1)]
		start := make(chan struct{})
		errs := make([]error, len(workers))
		var wg sync.WaitGroup
		for i, s := range workers {
			wg.Go(func() {
				<-start
				_, errs[i] = s.Sync(ctx, alerts)
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", r, err)
		}
	}
	t.Logf("%d rounds; leases taken: %v; most holders at once: %d", rounds, h.per, h.most.Load())
	if m := h.most.Load(); m != 1 {
		t.Fatalf("%d workers held the scope at once", m)
	}
	if h.per["ahead"] != rounds || h.per["behind"] != rounds {
		t.Fatalf("leases taken %v, want %d each", h.per, rounds)
	}
	p.checkOneAtATime(t, "clock skew ±5m")
}

// A worker that dies holding the scope (its Redis connection closed, so
// nothing renews) keeps it for one lease time by Redis's clock, whatever
// its own clock says: a worker with the other skew can neither take it
// early nor is kept out past expiry (by the five or ten minutes a lease
// computed from a wall clock would add).
func TestSkewLeaseExpiresOnRedisClock(t *testing.T) {
	addr := redistest.Addr(t)
	const ttl = time.Second
	scope := ticketsync.Scope{Site: "https://api-na.example", Company: "acme", Source: "skew-expiry"}
	for _, c := range []struct {
		name          string
		dead, waiting time.Duration
	}{
		{"ahead dies, behind waits", +skew, -skew},
		{"behind dies, ahead waits", -skew, +skew},
	} {
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			prefix := redistest.Prefix(t)
			deadRdb := clientFor(t, addr)
			dead, err := cluster.NewLocker(deadRdb, cluster.WithPrefix(prefix), cluster.WithLeaseTTL(ttl), cluster.WithClock(skewed(c.dead)))
			if err != nil {
				t.Fatal(err)
			}
			waiting, err := cluster.NewLocker(clientFor(t, addr), cluster.WithPrefix(prefix), cluster.WithLeaseTTL(ttl), cluster.WithClock(skewed(c.waiting)))
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			le, err := dead.Lock(context.Background(), scope)
			if err != nil {
				t.Fatal(err)
			}
			if err := le.Check(context.Background()); err != nil {
				t.Fatalf("fresh lease checks %v", err)
			}
			_ = deadRdb.Close() // the worker dies: no renewal, no release
			defer le.Release()

			early, cancel := context.WithTimeout(context.Background(), ttl/2)
			defer cancel()
			if _, err := waiting.Lock(early, scope); err == nil {
				t.Fatal("the scope was taken from its holder before its lease expired")
			}
			// Generous against a busy machine, far below the minutes a
			// skewed clock would add.
			late, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			got, err := waiting.Lock(late, scope)
			if err != nil {
				t.Fatalf("the dead worker's scope never freed: %v", err)
			}
			defer got.Release()
			took := time.Since(start)
			t.Logf("%s: successor held the scope %s after the dead worker took it (lease %s)", c.name, took.Round(time.Millisecond), ttl)
			if took < ttl {
				t.Fatalf("successor took the scope after %s, before the %s lease expired", took, ttl)
			}
		})
	}
}

// Two limiters on one budget of 40/s, their clocks ten minutes apart, with
// eight callers each: both are served, and no half second holds more than
// the budget allows, nor does the whole run go faster than the budget.
func TestSkewLimitersShareBudget(t *testing.T) {
	rdb, prefix := newRedis(t)
	addr := rdb.Options().Addr
	const rate, burst, callers, perCaller = 40, 2, 8, 5
	ls := newWorkers(t, addr, prefix, 1, rate, burst, cluster.WithClock(skewed(+skew)))
	ls = append(ls, newWorkers(t, addr, prefix, 1, rate, burst, cluster.WithClock(skewed(-skew)))...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var (
		mu     sync.Mutex
		grants []time.Time
		per    [2]int
		wg     sync.WaitGroup
	)
	start := time.Now()
	for i, l := range ls {
		for range callers {
			wg.Go(func() {
				for range perCaller {
					if err := l.Wait(ctx); err != nil {
						t.Errorf("worker %d: %v", i, err)
						return
					}
					mu.Lock()
					grants = append(grants, time.Now())
					per[i]++
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	total := len(ls) * callers * perCaller
	if len(grants) != total {
		t.Fatalf("%d grants, want %d", len(grants), total)
	}
	most := maxInWindow(grants, 500*time.Millisecond)
	span := grants[len(grants)-1].Sub(start)
	t.Logf("%d grants (ahead %d, behind %d) in %s; at most %d in any half second", total, per[0], per[1], span.Round(time.Millisecond), most)
	if limit := halfSecondLimit(rate, burst); most > limit {
		t.Fatalf("%d grants in one half second, budget allows %d", most, limit)
	}
	// The first burst goes at once, the rest one per 1/rate: a lower bound
	// on time cannot flake on a slow machine.
	if least := time.Duration(total-burst) * time.Second / rate; span < least-10*time.Millisecond {
		t.Fatalf("%d grants in %s; the budget needs at least %s", total, span, least)
	}
	for _, l := range ls {
		if !l.Shared() {
			t.Fatal("a worker paced locally with Redis up")
		}
	}
}

// The clock seam above proves something only if the package reads no
// other clock: every time.Now, time.Since or time.Until outside tests goes
// through options.now, except the default itself (httpx.SleepCtx, which the waits
// share with the in-process limiter, checks the caller's context deadline
// on the caller's own clock).
func TestSkewClockReadOnlyThroughSeam(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]int{"options.go time.Now": 1}
	got := map[string]int{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "time" {
				switch sel.Sel.Name {
				case "Now", "Since", "Until":
					got[f+" time."+sel.Sel.Name]++
					if got[f+" time."+sel.Sel.Name] > allowed[f+" time."+sel.Sel.Name] {
						t.Errorf("%s: time.%s reads the process clock outside the seam (use o.now)", fset.Position(sel.Pos()), sel.Sel.Name)
					}
				}
			}
			return true
		})
	}
}
