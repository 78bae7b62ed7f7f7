// Package crashtest lets the flows' restart tests kill a "process" at a
// chosen point: its n-th HTTP request (before sending it, or after the
// server received it but before the answer arrived) or its n-th store
// write. That call and every later one fail without effect, and the
// process's context is cancelled, so the test can start a fresh process on
// the same store and prove it carries on without duplicates.
package crashtest

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/psabridge/psabridge/connectwise/flow"
)

// ErrCrash stands for the process dying: nothing after it happens.
var ErrCrash = errors.New("crash")

// Point is where one process dies. Use it as the process's HTTP transport
// and wrap its store with Store; the zero limits mean it never dies.
type Point struct {
	// AtRequest is the 1-based request that dies; 0 means none does.
	AtRequest int64
	// AtWrite is the 1-based store write (Put, Delete or Update) that
	// dies; 0 means none does.
	AtWrite int64
	// AfterSend lets the dying request reach the server first, as when
	// the answer is lost on the way back.
	AfterSend bool
	// Cancel ends the process's context when it dies.
	Cancel context.CancelFunc

	requests, writes atomic.Int64
	mu               sync.Mutex
	crashed          string
}

// Crashed says where the process died, or "" if it has not.
func (c *Point) Crashed() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crashed
}

// Die kills the process at a point of the test's choosing (what says
// where) and returns ErrCrash for the caller to fail with.
func (c *Point) Die(what string) error {
	c.mu.Lock()
	if c.crashed == "" {
		c.crashed = what
	}
	c.mu.Unlock()
	if c.Cancel != nil {
		c.Cancel()
	}
	return ErrCrash
}

// RoundTrip sends r over http.DefaultTransport until the crash point.
func (c *Point) RoundTrip(r *http.Request) (*http.Response, error) {
	n := c.requests.Add(1)
	switch {
	case c.AtRequest == 0 || n < c.AtRequest:
		return http.DefaultTransport.RoundTrip(r)
	case n == c.AtRequest && c.AfterSend:
		if resp, err := http.DefaultTransport.RoundTrip(r); err == nil {
			resp.Body.Close()
		}
		return nil, c.Die("after sending " + r.Method + " " + r.URL.Path)
	}
	return nil, c.Die("before " + r.Method + " " + r.URL.Path)
}

// Store wraps the store the processes share: reads pass through, writes
// pass until the crash point, and Close leaves the shared store open for
// the next process.
func (c *Point) Store(s flow.Store) flow.Store { return store{s, c} }

type store struct {
	flow.Store
	c *Point
}

func (s store) write(key string) error {
	if n := s.c.writes.Add(1); s.c.AtWrite != 0 && n >= s.c.AtWrite {
		return s.c.Die("store write " + key)
	}
	return nil
}

func (s store) Put(ctx context.Context, key string, v []byte) error {
	if err := s.write(key); err != nil {
		return err
	}
	return s.Store.Put(ctx, key, v)
}

func (s store) Delete(ctx context.Context, key string) error {
	if err := s.write(key); err != nil {
		return err
	}
	return s.Store.Delete(ctx, key)
}

func (s store) Update(ctx context.Context, key string, fn func([]byte) ([]byte, error)) error {
	if err := s.write(key); err != nil {
		return err
	}
	return s.Store.Update(ctx, key, fn)
}

// Close leaves the shared store open: the next "process" uses it.
func (s store) Close() error { return nil }

// Restarts runs the steps of a restart test as a series of processes on
// one store: each process may die at a random point and is replaced by a
// fresh one until the step completes.
type Restarts struct {
	// Rand picks each process's crash point (and may serve the test's
	// other random choices, so one seed replays a whole scenario).
	Rand *rand.Rand
	// MaxRequests and MaxWrites bound the crash point: a process dies at
	// a request in 1..MaxRequests, at a store write in 1..MaxWrites, or,
	// one time in three, not at all.
	MaxRequests, MaxWrites int64
	// LostAnswers lets half the dying requests reach the server first.
	LostAnswers bool
	// MaxProcesses is how many processes one step may take before the
	// test fails.
	MaxProcesses int

	// Count is how many processes died; Log says where, one "step: where"
	// line each.
	Count int
	Log   []string
}

// point returns a crash point drawn from r.Rand that cancels with cancel.
func (r *Restarts) point(cancel context.CancelFunc) *Point {
	c := &Point{Cancel: cancel}
	if r.LostAnswers {
		c.AfterSend = r.Rand.IntN(2) == 0
	}
	switch r.Rand.IntN(3) {
	case 0:
		c.AtRequest = 1 + r.Rand.Int64N(r.MaxRequests)
	case 1:
		c.AtWrite = 1 + r.Rand.Int64N(r.MaxWrites)
	}
	return c
}

// Until runs step in one fresh process after another until one completes
// without dying. Each process gets its own crash point and a context,
// derived from parent, that ends when the process dies. An error from a
// process that did not die fails the test.
func (r *Restarts) Until(t testing.TB, parent context.Context, name string, step func(ctx context.Context, c *Point) error) {
	t.Helper()
	for attempt := 0; ; attempt++ {
		if attempt > r.MaxProcesses {
			t.Fatalf("%s never completed", name)
		}
		ctx, cancel := context.WithCancel(parent)
		c := r.point(cancel)
		err := step(ctx, c)
		cancel()
		if c.Crashed() == "" {
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return
		}
		r.Count++
		r.Log = append(r.Log, name+": "+c.Crashed())
	}
}
