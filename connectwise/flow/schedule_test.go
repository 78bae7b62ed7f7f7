package flow_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
)

// fakeFlow records when Run and Audit were called; runErrs fail the first
// runs in turn.
type fakeFlow struct {
	mu      sync.Mutex
	start   time.Time
	runs    []time.Duration
	audits  []time.Duration
	runErrs []error
	busy    bool
	overlap bool
}

type fakeReport struct {
	flow.Report
	Extra string
}

func (f *fakeFlow) enter() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.busy {
		f.overlap = true
	}
	f.busy = true
	return time.Since(f.start)
}

func (f *fakeFlow) leave() { f.mu.Lock(); f.busy = false; f.mu.Unlock() }

func (f *fakeFlow) Run(ctx context.Context) (*fakeReport, error) {
	at := f.enter()
	defer f.leave()
	time.Sleep(time.Second) // a run takes time (fake time inside synctest)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.runs = append(f.runs, at)
	if len(f.runErrs) > 0 {
		err := f.runErrs[0]
		f.runErrs = f.runErrs[1:]
		if err != nil {
			return nil, err
		}
	}
	return &fakeReport{Report: flow.Report{Flow: "fake", Created: 1}}, nil
}

type auditingFlow struct{ *fakeFlow }

func (a auditingFlow) Audit(ctx context.Context) (*fakeReport, error) {
	at := a.enter()
	defer a.leave()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.audits = append(a.audits, at)
	return &fakeReport{Report: flow.Report{Flow: "fake", Updated: 1}}, nil
}

func TestRunEveryCadenceAndBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("api down")
		f := &fakeFlow{start: time.Now(), runErrs: []error{nil, boom, boom, boom, nil}}
		ctx, cancel := context.WithCancel(t.Context())
		var results []flow.Result
		done := make(chan error)
		go func() {
			done <- flow.RunEvery(ctx, f, flow.Schedule{
				Every:      time.Minute,
				Jitter:     -1,
				Backoff:    10 * time.Second,
				MaxBackoff: 30 * time.Second,
				OnResult:   func(r flow.Result) { results = append(results, r) },
			})
		}()
		time.Sleep(4 * time.Minute)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("RunEvery returned %v after cancel, want nil", err)
		}
		// run 0 ok at 0 → next at 60s; fail at 60 → +10s after its end (61)
		// = 71; fail → 72+20 = 92; fail → 93+30 (capped) = 123; ok at 123 →
		// 183; ok at 183 → 243 > 240.
		want := []time.Duration{0, 60, 71, 92, 123, 183}
		if len(f.runs) != len(want) {
			t.Fatalf("runs at %v, want %v seconds", f.runs, want)
		}
		for i, w := range want {
			if f.runs[i] != w*time.Second {
				t.Fatalf("run %d at %v, want %vs (all: %v)", i, f.runs[i], w, f.runs)
			}
		}
		if results[3].Failures != 3 || results[4].Failures != 0 || results[0].Report.Created != 1 {
			t.Fatalf("results = %+v", results)
		}
		if results[1].Err != boom || results[1].Report != nil {
			t.Fatalf("failed result = %+v, want the error and no report", results[1])
		}
	})
}

func TestRunEveryAuditsOnItsOwnCadence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := auditingFlow{&fakeFlow{start: time.Now()}}
		ctx, cancel := context.WithCancel(t.Context())
		var audits int
		done := make(chan error)
		go func() {
			done <- flow.RunEvery(ctx, f, flow.Schedule{
				Every: time.Minute, Jitter: -1, AuditEvery: 5 * time.Minute,
				OnResult: func(r flow.Result) {
					if r.Audit {
						audits++
						if r.Report.Updated != 1 {
							t.Errorf("audit report = %+v", r.Report)
						}
					}
				},
			})
		}()
		time.Sleep(16 * time.Minute)
		cancel()
		<-done
		if len(f.audits) != 3 || f.audits[0] != 5*time.Minute+time.Second || audits != 3 {
			// The audit due at 5m waits for the run that started at 5m.
			t.Fatalf("audits at %v (%d results), want 3, the first at 5m1s", f.audits, audits)
		}
		if f.overlap {
			t.Fatal("Run and Audit overlapped")
		}
		if len(f.runs) != 17 {
			t.Fatalf("%d runs in 16 minutes, want 17", len(f.runs))
		}
	})
}

func TestRunEveryAuditOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := auditingFlow{&fakeFlow{start: time.Now()}}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- flow.RunEvery(ctx, f, flow.Schedule{Every: time.Minute, AuditEvery: -1}) }()
		time.Sleep(30 * time.Minute)
		cancel()
		<-done
		if len(f.audits) != 0 {
			t.Fatalf("audits ran %d times with AuditEvery < 0", len(f.audits))
		}
	})
}

func TestRunEveryJitterBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeFlow{start: time.Now()}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- flow.RunEvery(ctx, f, flow.Schedule{Every: time.Minute, Jitter: 10 * time.Second}) }()
		time.Sleep(time.Hour)
		cancel()
		<-done
		distinct := map[time.Duration]bool{}
		for i := 1; i < len(f.runs); i++ {
			gap := f.runs[i] - f.runs[i-1]
			if gap < time.Minute || gap >= time.Minute+10*time.Second {
				t.Fatalf("gap %v between runs %d and %d, want [1m, 1m10s)", gap, i-1, i)
			}
			distinct[gap] = true
		}
		if len(distinct) < 5 {
			t.Fatalf("only %d distinct gaps in %d runs: jitter is not applied", len(distinct), len(f.runs))
		}
	})
}

// A run in progress sees the stop through its context and RunEvery returns.
func TestRunEveryStopsMidRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		started := make(chan struct{})
		var sawCancel bool
		r := runFunc(func(ctx context.Context) (*flow.Report, error) {
			close(started)
			<-ctx.Done()
			sawCancel = true
			return nil, ctx.Err()
		})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- flow.RunEvery(ctx, r, flow.Schedule{Every: time.Minute}) }()
		<-started
		cancel()
		if err := <-done; err != nil || !sawCancel {
			t.Fatalf("RunEvery = %v, run saw cancel = %v", err, sawCancel)
		}
	})
}

type runFunc func(context.Context) (*flow.Report, error)

func (f runFunc) Run(ctx context.Context) (*flow.Report, error) { return f(ctx) }

// An injected clock drives the loop without real or synctest time.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	waits  chan time.Duration
	fire   chan time.Time
	closed bool
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *manualClock) After(d time.Duration) <-chan time.Time {
	c.waits <- d
	return c.fire
}

func TestRunEveryInjectedClock(t *testing.T) {
	c := &manualClock{now: time.Unix(1e9, 0), waits: make(chan time.Duration), fire: make(chan time.Time)}
	var n int
	var mu sync.Mutex
	r := runFunc(func(context.Context) (*flow.Report, error) { mu.Lock(); n++; mu.Unlock(); return &flow.Report{}, nil })
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- flow.RunEvery(ctx, r, flow.Schedule{Every: time.Hour, Jitter: -1, Clock: c}) }()
	for i := range 3 {
		if d := <-c.waits; d != time.Hour {
			t.Fatalf("wait %d = %v, want 1h", i, d)
		}
		c.mu.Lock()
		c.now = c.now.Add(time.Hour)
		c.mu.Unlock()
		c.fire <- c.now
	}
	<-c.waits
	cancel()
	<-done
	if n != 4 {
		t.Fatalf("%d runs after three ticks, want 4", n)
	}
}

func TestRunEveryBadSchedule(t *testing.T) {
	var ce *bridge.ConfigError
	err := flow.RunEvery(t.Context(), runFunc(nil), flow.Schedule{})
	if !errors.As(err, &ce) || ce.Field != "Every" {
		t.Fatalf("RunEvery(zero schedule) = %v, want ConfigError on Every", err)
	}
	err = flow.RunEvery(t.Context(), runFunc(nil), flow.Schedule{Every: time.Minute, Backoff: time.Hour, MaxBackoff: time.Minute})
	if !errors.As(err, &ce) || ce.Field != "Backoff" {
		t.Fatalf("RunEvery(Backoff > MaxBackoff) = %v, want ConfigError on Backoff", err)
	}
}
