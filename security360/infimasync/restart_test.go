package infimasync_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/infimasync/infimasynctest"
)

// stopAt is an INFIMA transport that ends the run's context when the n-th
// request is sent (mid-sync, between reads), and passes the rest through.
type stopAt struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    int // 0 disables
	seen int
	stop context.CancelFunc
}

func (s *stopAt) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.seen++
	hit := s.n > 0 && s.seen == s.n
	stop := s.stop
	s.mu.Unlock()
	if hit && stop != nil {
		stop()
	}
	return s.next.RoundTrip(r)
}

func (s *stopAt) arm(n int, stop context.CancelFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n, s.seen, s.stop = n, 0, stop
}

// restartStats counts what the restart trials did and found.
type restartStats struct {
	flowtest.RestartProof
	mu      sync.Mutex
	byPoint map[string]int
}

func (s *restartStats) point(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.byPoint[p]++
}

// TestRestartAtRandomPoints stops the flow at random points (mid-sync while
// INFIMA is read, just before a delivery, just after the screen showed one
// but before the flow recorded it, on a failing delivery) and starts a
// fresh flow on the same store each time, as a restarted process would:
// memory, a bbolt file, and a sealed bbolt file. INFIMA data changes
// between some restarts. After the last, uninterrupted run it checks that
// no data was delivered twice, every site shows INFIMA's current data, and
// the mappings and settings are intact.
func TestRestartAtRandomPoints(t *testing.T) {
	trials := 16
	if testing.Short() {
		trials = 6
	}
	stats := &restartStats{byPoint: map[string]int{}}
	kinds := []struct {
		name string
		open func(t *testing.T, dir string) flow.Store
	}{
		{"memory", nil},
		{"bbolt", func(t *testing.T, dir string) flow.Store {
			s, err := flow.Open(filepath.Join(dir, "state.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{"bbolt-sealed", func(t *testing.T, dir string) flow.Store {
			s, err := flow.Open(filepath.Join(dir, "state.db"), flow.WithEncryptionKey(bytes.Repeat([]byte{3}, 32)))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			for trial := range trials {
				seed := uint64(trial)*7919 + uint64(len(k.name))
				t.Run(fmt.Sprint("seed-", seed), func(t *testing.T) {
					restartTrial(t, seed, k.open, stats)
				})
			}
		})
	}
	stats.Report(t, "stop points ", stats.byPoint)
}

func restartTrial(t *testing.T, seed uint64, open func(*testing.T, string) flow.Store, stats *restartStats) {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	ctx := t.Context()
	srv := infimatest.NewUnstartedServer(infimatest.WithClients(10, 8))
	transport := &stopAt{next: srv.Transport()}
	in, err := infima.NewClient(srv.APIKey(), append(srv.InMemoryOptions(), infima.WithHTTPClient(&http.Client{Transport: transport}))...)
	if err != nil {
		t.Fatal(err)
	}
	screen := infimasynctest.NewRecorder()
	dir := t.TempDir()
	mem := flow.NewMemoryStore()
	openStore := func() flow.Store {
		if open == nil {
			return mem
		}
		return open(t, dir)
	}
	settings := infimasync.Settings{ServerURL: "http://127.0.0.1", APIKey: srv.APIKey()}
	mappings := syntheticMappings(srv)
	workers := 1 + rng.IntN(4)

	// The first process saves the settings and mappings.
	store := openStore()
	if err := infimasync.SaveSettings(ctx, store, settings, infimasync.AllowLoopback()); err != nil {
		t.Fatal(err)
	}
	s := newSyncer(t, in, store, screen, mappings, infimasync.WithConcurrency(workers), infimasync.AllowLoopback())

	restarts := 1 + rng.IntN(4)
	for r := range restarts {
		runCtx, stop := context.WithCancel(ctx)
		point := []string{"mid-sync read", "before a delivery", "after a delivery is shown", "failing delivery"}[rng.IntN(4)]
		stats.point(point)
		deliveries := screen.Len()
		switch point {
		case "mid-sync read":
			transport.arm(1+rng.IntN(12), stop)
		case "before a delivery":
			at := 1 + rng.IntN(20)
			var n atomic.Int64
			screen.FailWhen(func(d infimasync.Delivery) error {
				if n.Add(1) == int64(at) {
					stop()
					return context.Canceled
				}
				return nil
			})
		case "after a delivery is shown":
			at := 1 + rng.IntN(20)
			screen.AfterDeliver(func(infimasync.Delivery) {
				if screen.Len()-deliveries == at {
					stop()
				}
			})
		case "failing delivery":
			at := 1 + rng.IntN(10)
			var n atomic.Int64
			screen.FailWhen(func(d infimasync.Delivery) error {
				switch c := n.Add(1); {
				case c == int64(at):
					return errors.New("ingestion unavailable")
				case c == int64(at)+3:
					stop()
				}
				return nil
			})
		}
		rep, err := s.Run(runCtx)
		stop()
		transport.arm(0, nil)
		screen.FailWhen(nil)
		screen.AfterDeliver(nil)
		if err == nil && rep.Stopped {
			stats.Violation(t, "run %d: stopped without an error", r)
		}

		// Sometimes INFIMA's data changes while the process is down.
		if rng.IntN(2) == 0 {
			id := srv.ClientIDs()[rng.IntN(len(srv.ClientIDs()))]
			emails := srv.UserEmails(id)
			if err := srv.SetUserTraining(id, emails[rng.IntN(len(emails))], rng.IntN(2) == 0, rng.IntN(3)); err != nil {
				t.Fatal(err)
			}
		}

		// The process stops; a new one opens the same store.
		if open != nil {
			if err := store.Close(); err != nil {
				t.Fatal(err)
			}
		}
		stats.Restarted(1)
		store = openStore()
		got, err := infimasync.LoadSettings(ctx, store, infimasync.AllowLoopback())
		if err != nil || got != settings {
			stats.Violation(t, "restart %d: settings %v, %v; want them intact", r, got, err)
		}
		s = newSyncer(t, in, store, screen, nil, infimasync.WithConcurrency(workers), infimasync.AllowLoopback())
		if ms, err := s.Mappings(ctx); err != nil || !slices.Equal(ms, mappings) {
			stats.Violation(t, "restart %d: mappings %v, %v; want them intact", r, ms, err)
		}
		if rep.Stopped {
			// The first run of the new process must say it resumed.
			next, err := s.Run(ctx)
			if err != nil {
				stats.Violation(t, "run after restart %d: %v", r, err)
			} else if !next.Resumed {
				stats.Violation(t, "run after a stopped run (%s) does not say it resumed: %s", point, next)
			}
		}
	}
	// One uninterrupted run delivers what failed or changed last; the run
	// after it has nothing left to send.
	if _, err := s.Run(ctx); err != nil {
		stats.Violation(t, "settling run: %v", err)
	}
	final, err := s.Run(ctx)
	if err != nil {
		stats.Violation(t, "final run: %v", err)
	}
	if final.Resumed {
		stats.Violation(t, "final run after a complete one says it resumed: %s", final)
	}
	if final.Delivered() != 0 {
		stats.Violation(t, "final run delivered %d after a complete run", final.Delivered())
	}
	for _, d := range screen.Duplicates() {
		stats.Violation(t, "delivered twice: %s %s (delivery %d)", d.SiteKey, d.Kind, d.Seq)
	}
	// Every site shows INFIMA's current data.
	for _, m := range mappings {
		co, _, err := in.Clients.Find(ctx, m.InfimaClientID)
		if err != nil {
			t.Fatal(err)
		}
		want, err := clientReport(ctx, in, *co)
		if err != nil {
			t.Fatal(err)
		}
		for kind, fp := range map[infimasync.Kind]string{
			infimasync.KindTrainingStats:   fingerprintIf(want.Training.HasData(), want.Training.Fingerprint()),
			infimasync.KindPhishingResults: fingerprintIf(want.Phishing.HasData(), want.Phishing.Fingerprint()),
			infimasync.KindCourseSchedule:  fingerprintIf(want.Schedule.HasData(), want.Schedule.Fingerprint()),
		} {
			got, ok := screen.Latest(m.SiteKey(), kind)
			switch {
			case fp == "" && ok:
			case fp == "" && !ok:
			case !ok:
				stats.Violation(t, "%s %s: never delivered", m.SiteKey(), kind)
			case got.Fingerprint != fp:
				stats.Violation(t, "%s %s: the screen shows stale data", m.SiteKey(), kind)
			}
		}
	}
	if open != nil {
		store.Close()
	}
}

func fingerprintIf(has bool, fp string) string {
	if !has {
		return ""
	}
	return fp
}
