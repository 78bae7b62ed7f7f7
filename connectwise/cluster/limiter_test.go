package cluster_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/cluster"
	"github.com/psabridge/psabridge/internal/redistest"
)

// worker is one process's view of a shared budget: its own Redis client.
func newWorkers(t *testing.T, addr, prefix string, n int, rate float64, burst int, opts ...cluster.Option) []*cluster.Limiter {
	t.Helper()
	var ls []*cluster.Limiter
	for range n {
		l, err := cluster.NewLimiter(clientFor(t, addr), "api.example.test/abc", rate, burst, append([]cluster.Option{cluster.WithPrefix(prefix)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	return ls
}

// stampSlack is how late a caller may stamp a grant after the limiter made
// it: on a loaded 2-core machine the goroutine that returns from Wait can
// wait that long to run, which moves the stamp into a later window. Grants
// from separate budgets overshoot the limit by far more (about 42 in half a
// second at 40/s against 28 allowed here), so the check still tells them apart.
const stampSlack = 150 * time.Millisecond

// halfSecondLimit is the most grants a half-second window of stamps may hold
// on one budget of rate per second with this burst, stamping delays included.
func halfSecondLimit(rate, burst int) int {
	return int(float64(rate)*(500*time.Millisecond+stampSlack).Seconds()) + burst
}

// maxInWindow is the most grants any window of length w holds.
func maxInWindow(ts []time.Time, w time.Duration) int {
	slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= w {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// Four workers with eight callers each, hammering one budget of 40/s: no
// half-second window may hold more than the budget's 20 plus the burst,
// however the machine schedules them. (A lower bound on spacing cannot
// flake on a slow machine.)
func TestWorkersShareOneBudget(t *testing.T) {
	rdb, prefix := newRedis(t)
	addr := rdb.Options().Addr
	const rate, burst, perCaller = 40, 2, 5
	ls := newWorkers(t, addr, prefix, 4, rate, burst)
	var (
		mu     sync.Mutex
		grants []time.Time
		wg     sync.WaitGroup
	)
	for _, l := range ls {
		for range 8 {
			wg.Go(func() {
				for range perCaller {
					if err := l.Wait(context.Background()); err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					grants = append(grants, time.Now())
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(grants) != 4*8*perCaller {
		t.Fatalf("%d grants, want %d", len(grants), 4*8*perCaller)
	}
	if got, limit := maxInWindow(grants, 500*time.Millisecond), halfSecondLimit(rate, burst); got > limit {
		t.Fatalf("%d grants in one half second, budget allows %d", got, limit)
	}
	for _, l := range ls {
		if !l.Shared() {
			t.Fatal("a worker paced locally with Redis up")
		}
	}
}

func TestThrottleOnOneWorkerSlowsAll(t *testing.T) {
	rdb, prefix := newRedis(t)
	ls := newWorkers(t, rdb.Options().Addr, prefix, 2, 40, 1)
	ctx := context.Background()
	if err := ls[1].Wait(ctx); err != nil {
		t.Fatal(err)
	}
	ls[0].Throttled(0)
	ls[0].Throttled(0) // same wave: must not halve again
	if err := ls[1].Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ls[1].Rate(); got != 20 {
		t.Fatalf("other worker's rate after one 429 wave = %g, want 20", got)
	}
}

func TestRetryAfterPausesEveryWorker(t *testing.T) {
	rdb, prefix := newRedis(t)
	ls := newWorkers(t, rdb.Options().Addr, prefix, 2, 1000, 10)
	ls[0].Throttled(300 * time.Millisecond)
	start := time.Now()
	if err := ls[1].Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("other worker waited %s, want the server's 300ms Retry-After", d)
	}
	// A caller whose deadline falls inside the pause gives up at once.
	ls[0].Throttled(time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ls[1].Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait inside a pause past the deadline = %v, want DeadlineExceeded", err)
	}
}

// Recovery follows the in-process rule: 5% of the budget per second
// without a 429 up to 90% of the rate that drew it. The quiet seconds are
// simulated by moving the budget's last change back on Redis's own clock.
func TestSharedRateRecovers(t *testing.T) {
	rdb, prefix := newRedis(t)
	ls := newWorkers(t, rdb.Options().Addr, prefix, 2, 100, 1)
	ctx := context.Background()
	ls[0].Throttled(0) // 100 → 50, ceiling 100
	key := prefix + "budget:{api.example.test/abc}"
	now, err := rdb.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, key, "lastChange", now.Add(-4*time.Second).UnixMicro()).Err(); err != nil {
		t.Fatal(err)
	}
	if err := ls[1].Wait(ctx); err != nil {
		t.Fatal(err)
	}
	ls[1].Succeeded()
	if got := ls[1].Rate(); got < 69.9 || got > 70.1 {
		t.Fatalf("rate after 4 quiet seconds = %g, want 50 + 4×5 = 70", got)
	}
	ls[1].Succeeded() // within the same second: no second step
	if err := ls[0].Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ls[0].Rate(); got < 69.9 || got > 70.1 {
		t.Fatalf("other worker sees %g, want 70", got)
	}
}

// With Redis gone, Wait neither stalls nor bursts: it paces locally at the
// fallback rate, logs once, and returns to the shared budget when Redis is
// back.
func TestRedisDownFallsBackAndRecovers(t *testing.T) {
	srv := redistest.Start(t)
	var logs logBuffer
	rdb := clientFor(t, srv.Addr())
	l, err := cluster.NewLimiter(rdb, "h/x", 100, 5, cluster.WithFallbackRate(20), cluster.WithLogger(newLogger(&logs)), cluster.WithTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := l.Wait(ctx); err != nil || !l.Shared() {
		t.Fatalf("Wait = %v, shared %v", err, l.Shared())
	}
	srv.Stop()
	start := time.Now()
	const n = 11
	for range n {
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// 11 grants at 20/s with burst 1 take at least 10 intervals.
	if d := time.Since(start); d < 450*time.Millisecond {
		t.Fatalf("%d waits with Redis down took %s: faster than the 20/s fallback", n, d)
	}
	if l.Shared() {
		t.Fatal("still shared with Redis down")
	}
	if got := logs.count("Redis unreachable"); got != 1 {
		t.Fatalf("logged the outage %d times, want once:\n%s", got, logs.String())
	}
	srv.Restart()
	deadline := time.Now().Add(10 * time.Second)
	for !l.Shared() {
		if time.Now().After(deadline) {
			t.Fatal("never went back to the shared budget after Redis returned")
		}
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if got := logs.count("answers again"); got != 1 {
		t.Fatalf("logged the recovery %d times, want once", got)
	}
}

func TestNewLimiterRejectsBadSettings(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	for _, c := range []struct {
		field string
		rdb   redis.UniversalClient
		bud   string
		rate  float64
		burst int
		opts  []cluster.Option
	}{
		{"rdb", nil, "b", 1, 1, nil},
		{"budget", rdb, "", 1, 1, nil},
		{"perSecond", rdb, "b", 0, 1, nil},
		{"burst", rdb, "b", 1, 0, nil},
		{"WithFallbackRate", rdb, "b", 1, 1, []cluster.Option{cluster.WithFallbackRate(2)}},
	} {
		_, err := cluster.NewLimiter(c.rdb, c.bud, c.rate, c.burst, c.opts...)
		var ce *bridge.ConfigError
		if !errors.As(err, &ce) || ce.Field != c.field {
			t.Errorf("%s: err = %v, want a ConfigError naming it", c.field, err)
		}
	}
}

func TestBudgetNamesNoIdentity(t *testing.T) {
	cfg := connectwise.Config{Site: "api-eu.myconnectwise.net", CompanyID: "acme", PublicKey: "PUBKEY1234", PrivateKey: "PRIVKEY5678", ClientID: "c"}
	b, err := cluster.PSABudget(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"acme", "PUBKEY1234", "PRIVKEY5678"} {
		if strings.Contains(b, s) {
			t.Fatalf("budget %q spells out %q", b, s)
		}
	}
	if !strings.HasPrefix(b, "api-eu.myconnectwise.net/") {
		t.Fatalf("budget %q does not start with the API host", b)
	}
	other := cfg
	other.PrivateKey = "ROTATED"
	if b2, _ := cluster.PSABudget(other); b2 != b {
		t.Fatal("rotating the private key changed the budget: the secret went into it")
	}
	other.PublicKey = "PUBKEY9999"
	if b2, _ := cluster.PSABudget(other); b2 == b {
		t.Fatal("another API member shares the budget")
	}
}
