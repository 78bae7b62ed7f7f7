package officeprotect_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/internal/crashtest"
	"github.com/psabridge/psabridge/officeprotect"
)

// restartRig runs the flow's steps as a series of processes on one store
// and one PSA: each may crash at a random point and is replaced by a fresh
// one until the step completes.
type restartRig struct {
	*fixture
	crashtest.Restarts
}

// process builds a fresh integration that dies at c.
func (r *restartRig) process(c *crashtest.Point) *officeprotect.Integration {
	r.t.Helper()
	psa, err := connectwise.NewClient(r.psa.Config(), append(fastPSA, connectwise.WithHTTPClient(&http.Client{Transport: c}))...)
	if err != nil {
		r.t.Fatal(err)
	}
	in, err := officeprotect.New(psa, r.src, c.Store(r.store), r.opts...)
	if err != nil {
		r.t.Fatal(err)
	}
	return in
}

// until repeats step in fresh processes until it succeeds.
func (r *restartRig) until(name string, step func(ctx context.Context, in *officeprotect.Integration, c *crashtest.Point) error) {
	r.t.Helper()
	r.Until(r.t, r.ctx, name, func(ctx context.Context, c *crashtest.Point) error {
		return step(ctx, r.process(c), c)
	})
}

// TestRestartAnywhere stops the integration at random points (mid-setup,
// mid-backfill, mid-run, between a failure and its email) and starts a
// fresh one on the same store: no duplicate ticket, no event without its
// ticket, one emergency email per failure, mappings and settings intact.
func TestRestartAnywhere(t *testing.T) {
	var proof flowtest.RestartProof
	for seed := range uint64(25) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			f := newFixture(t)
			r := &restartRig{fixture: f, Restarts: crashtest.Restarts{Rand: rand.New(rand.NewPCG(seed, 13)),
				MaxRequests: 12, MaxWrites: 8, MaxProcesses: 60}}
			var backfill []officeprotect.Event
			for i := range 8 {
				tenant := []string{"t-acme", "t-globex"}[i%2]
				backfill = append(backfill, titled(fmt.Sprintf("evt-%d", i/2), tenant, ago(time.Duration(i+1)*time.Hour)))
			}
			f.src.Add(backfill...)

			r.until("setup", func(ctx context.Context, in *officeprotect.Integration, c *crashtest.Point) error {
				f.in = in
				ctx0 := f.ctx
				f.ctx = ctx
				defer func() { f.ctx = ctx0 }()
				chk, err := in.CheckConnection(ctx)
				if err != nil {
					return err
				}
				if !chk.OK() {
					return chk.Err()
				}
				for _, m := range []struct {
					tenant  string
					company int
				}{{"t-acme", f.acme.ID}, {"t-globex", f.globex.ID}} {
					if err := in.SetMapping(ctx, m.tenant, m.company, true); err != nil {
						return err
					}
				}
				if err := in.SetEmergencyContact(ctx, "soc@msp.example.com"); err != nil {
					return err
				}
				_, err = in.ConfirmSetup(ctx)
				return err
			})
			// An interrupted backfill is finished by the next Run.
			r.until("backfill", func(ctx context.Context, in *officeprotect.Integration, c *crashtest.Point) error {
				_, err := in.Run(ctx)
				return err
			})

			f.clock = f.clock.Add(time.Minute)
			var live []officeprotect.Event
			for i := range 6 {
				tenant := []string{"t-acme", "t-globex"}[i%2]
				live = append(live, titled(fmt.Sprintf("live-%d", i/2), tenant, f.clock.Add(-30*time.Second)))
			}
			f.src.Add(live...)
			r.until("live run", func(ctx context.Context, in *officeprotect.Integration, c *crashtest.Point) error {
				_, err := in.Run(ctx)
				return err
			})

			// The integration breaks; a crash may come between seeing the
			// failure and sending its email.
			f.psa.RevokePermission("Service Tickets")
			f.clock = f.clock.Add(time.Minute)
			broken := titled("late-0", "t-acme", f.clock.Add(-10*time.Second))
			f.src.Add(broken)
			for range 3 {
				r.until("broken run", func(ctx context.Context, in *officeprotect.Integration, c *crashtest.Point) error {
					if r.Rand.IntN(2) == 0 {
						officeprotect.SetCrashBeforeNotify(in, func() error { return c.Die("between a failure and its email") })
					}
					_, err := in.Run(ctx)
					if err == nil {
						return errors.New("run succeeded without the permission")
					}
					if errors.Is(err, crashtest.ErrCrash) {
						return err
					}
					return nil
				})
			}
			f.psa.SetPermission("Service Tickets", "All", "All", "All", "All")
			r.until("recovered run", func(ctx context.Context, in *officeprotect.Integration, c *crashtest.Point) error {
				_, err := in.Run(ctx)
				return err
			})

			// Invariants.
			keys := f.byKey()
			want := map[string]int{}
			for _, e := range append(append(backfill, live...), broken) {
				want[officeprotect.TicketKey(e.TenantID, e.ID)] = map[string]int{"t-acme": f.acme.ID, "t-globex": f.globex.ID}[e.TenantID]
			}
			for k, company := range want {
				switch ts := keys[k]; {
				case len(ts) == 0:
					proof.Violation(t, "event %s has no ticket", k)
				case len(ts) > 1:
					proof.Violation(t, "event %s has %d tickets", k, len(ts))
				case ts[0].Company.ID != company:
					proof.Violation(t, "event %s filed under company %d, want %d", k, ts[0].Company.ID, company)
				}
			}
			if len(keys) != len(want) {
				proof.Violation(t, "%d ticket keys, want %d", len(keys), len(want))
			}
			alerts := map[string]int{}
			for _, a := range f.rec.Alerts() {
				alerts[a.Failure.Key()]++
			}
			for k, n := range alerts {
				if n != 1 {
					proof.Violation(t, "failure %s emailed %d times", k, n)
				}
			}
			if len(alerts) != 1 {
				proof.Violation(t, "emails for %d failures, want 1: %v", len(alerts), alerts)
			}
			ms, err := f.in.Mappings(f.ctx)
			if err != nil || len(ms) != 2 {
				proof.Violation(t, "mappings after restarts: %v %v", ms, err)
			}
			if c, _ := f.in.EmergencyContact(f.ctx); c != "soc@msp.example.com" {
				proof.Violation(t, "emergency contact after restarts: %q", c)
			}
			if fs, _ := f.in.Failures(f.ctx); len(fs) != 0 {
				proof.Violation(t, "failures left after recovery: %v", fs)
			}
			proof.Restarted(r.Count)
			if testing.Verbose() {
				t.Logf("%d restarts: %s", r.Count, strings.Join(r.Log, "; "))
			}
		})
	}
	proof.Report(t)
}
