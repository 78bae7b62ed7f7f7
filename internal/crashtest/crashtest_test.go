package crashtest_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/internal/crashtest"
)

func TestPointDiesAtItsRequest(t *testing.T) {
	for _, afterSend := range []bool{false, true} {
		var served atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served.Add(1) }))
		ctx, cancel := context.WithCancel(t.Context())
		c := &crashtest.Point{AtRequest: 2, AfterSend: afterSend, Cancel: cancel}
		hc := &http.Client{Transport: c}
		for i := 1; i <= 3; i++ {
			resp, err := hc.Get(srv.URL + "/x")
			if i == 1 {
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				continue
			}
			if !errors.Is(err, crashtest.ErrCrash) {
				t.Fatalf("request %d: err = %v, want ErrCrash", i, err)
			}
		}
		srv.Close()
		// The dying request reaches the server only with AfterSend.
		if want := map[bool]int64{false: 1, true: 2}[afterSend]; served.Load() != want {
			t.Errorf("AfterSend %v: server saw %d requests, want %d", afterSend, served.Load(), want)
		}
		if ctx.Err() == nil || !strings.Contains(c.Crashed(), "GET /x") {
			t.Errorf("AfterSend %v: context %v, Crashed %q", afterSend, ctx.Err(), c.Crashed())
		}
	}
}

func TestPointDiesAtItsWriteAndLeavesTheStoreOpen(t *testing.T) {
	ctx := t.Context()
	shared := flow.NewMemoryStore()
	c := &crashtest.Point{AtWrite: 2}
	s := c.Store(shared)
	if err := s.Put(ctx, "a/1", []byte("one")); err != nil || c.Crashed() != "" {
		t.Fatalf("first write: %v, crashed %q", err, c.Crashed())
	}
	if err := s.Put(ctx, "a/2", []byte("two")); !errors.Is(err, crashtest.ErrCrash) {
		t.Fatalf("second write: %v, want ErrCrash", err)
	}
	if err := s.Delete(ctx, "a/1"); !errors.Is(err, crashtest.ErrCrash) {
		t.Fatalf("write after the crash: %v, want ErrCrash", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Reads pass through, the failed writes had no effect, and the shared
	// store is still open for the next process.
	if v, err := shared.Get(ctx, "a/1"); err != nil || string(v) != "one" {
		t.Errorf("a/1 = %q, %v", v, err)
	}
	if _, err := shared.Get(ctx, "a/2"); !errors.Is(err, flow.ErrNotFound) {
		t.Errorf("a/2 written by the dead process: %v", err)
	}
}

func TestRestartsRunUntilAProcessCompletes(t *testing.T) {
	restarts := 0
	for seed := range uint64(10) {
		r := crashtest.Restarts{Rand: rand.New(rand.NewPCG(seed, 2)), MaxRequests: 3, MaxWrites: 3, MaxProcesses: 50}
		processes := 0
		r.Until(t, t.Context(), "step", func(ctx context.Context, c *crashtest.Point) error {
			processes++
			// Three writes: a process whose crash point is a write dies
			// here; one that dies at a request (it makes none) or never
			// completes.
			s := c.Store(flow.NewMemoryStore())
			for _, k := range []string{"k/a", "k/b", "k/c"} {
				if err := s.Put(ctx, k, nil); err != nil {
					if ctx.Err() == nil {
						t.Error("the process died but its context did not end")
					}
					return err
				}
			}
			return nil
		})
		if r.Count != processes-1 || len(r.Log) != r.Count {
			t.Errorf("seed %d: %d processes, Count %d, Log %q", seed, processes, r.Count, r.Log)
		}
		for _, l := range r.Log {
			if !strings.HasPrefix(l, "step: store write k/") {
				t.Errorf("log line %q", l)
			}
		}
		restarts += r.Count
	}
	if restarts == 0 {
		t.Error("no process died in ten seeds")
	}
}
