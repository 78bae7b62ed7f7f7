package psasync_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/internal/crashtest"
)

// restartRig runs the flow's steps as a series of processes on one store:
// each may die at a random point and is replaced by a fresh one, built
// from the store alone, until the step completes.
type restartRig struct {
	*env
	t *testing.T
	crashtest.Restarts
}

// process builds a fresh integration that dies at c, its PSA connection
// read from the store as a restarted process reads it.
func (r *restartRig) process(ctx context.Context, c *crashtest.Point) *psasync.Integration {
	r.t.Helper()
	s, err := psasync.LoadSettings(ctx, r.store, heimdaltest.ResellerID)
	if err != nil {
		r.t.Fatal(err)
	}
	cfg := connectwise.Config{Site: s.Site, CompanyID: s.CompanyID, PublicKey: s.PublicKey, PrivateKey: s.PrivateKey, ClientID: s.ClientID}
	pc, err := connectwise.NewClient(cfg, append(fastPSA, connectwise.WithHTTPClient(&http.Client{Transport: c}))...)
	if err != nil {
		r.t.Fatal(err)
	}
	in, err := psasync.New(heimdalClient(r.t, r.hd), pc, c.Store(r.store), heimdaltest.ResellerID)
	if err != nil {
		r.t.Fatal(err)
	}
	return in
}

func (r *restartRig) until(name string, step func(ctx context.Context, in *psasync.Integration) error) {
	r.t.Helper()
	r.Until(r.t, context.Background(), name, func(ctx context.Context, c *crashtest.Point) error {
		return step(ctx, r.process(ctx, c))
	})
}

// TestRestartAnywhere stops the integration at random points (mid-setup,
// mid-run, between a ticket write and its answer) and starts a fresh one
// from the same store: no duplicate ticket, no alert without its ticket,
// vanished Operations alerts closed, settings, boards and mappings intact.
func TestRestartAnywhere(t *testing.T) {
	var proof flowtest.RestartProof
	for seed := range uint64(40) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			e := newSavedEnv(t)
			r := &restartRig{env: e, t: t, Restarts: crashtest.Restarts{Rand: rand.New(rand.NewPCG(seed, 11)),
				MaxRequests: 40, MaxWrites: 6, LostAnswers: true, MaxProcesses: 80}}
			ctx := context.Background()

			r.until("provision and configure", func(ctx context.Context, in *psasync.Integration) error {
				if _, err := in.ProvisionBoards(ctx); err != nil {
					return err
				}
				for _, b := range psasync.Boards() {
					if _, err := in.ConfigureBoard(ctx, b, psasync.DefaultBoardSettings(b)); err != nil {
						return err
					}
				}
				return nil
			})
			r.until("sync customers", func(ctx context.Context, in *psasync.Integration) error {
				cs, err := in.SyncCustomers(ctx)
				if err != nil {
					return err
				}
				return in.Accept(ctx, cs.Proposals()...)
			})

			keys := e.raiseMany(3 + r.Rand.IntN(5))
			r.until("first run", func(ctx context.Context, in *psasync.Integration) error {
				_, err := in.Run(ctx)
				return err
			})
			// Some alerts change, one Operations alert vanishes.
			for _, k := range keys[psasync.BoardCyberAlerts][:1] {
				e.hd.Update(k, "changed", "new details")
			}
			gone := keys[psasync.BoardOperations][0]
			e.hd.Clear(gone)
			keys[psasync.BoardOperations] = keys[psasync.BoardOperations][1:]
			r.until("second run", func(ctx context.Context, in *psasync.Integration) error {
				_, err := in.Run(ctx)
				return err
			})

			// Invariants, on a fresh process that does not crash.
			e.restart(t)
			for b, ks := range keys {
				got := e.tickets(t, b)
				for _, k := range ks {
					if ts := got[k]; len(ts) != 1 || ts[0].ClosedFlag {
						proof.Violation(t, "%s: key %s has %d tickets (want 1 open)", b, k, len(ts))
					}
				}
				want := len(ks)
				if b == psasync.BoardOperations {
					want++ // the vanished alert's closed ticket
				}
				if len(got) != want {
					proof.Violation(t, "%s: tickets for %d keys, want %d", b, len(got), want)
				}
			}
			if ts := e.tickets(t, psasync.BoardOperations)[gone]; len(ts) != 1 || !ts[0].ClosedFlag {
				proof.Violation(t, "vanished alert %s: tickets %+v, want one, closed", gone, ts)
			}
			for _, k := range keys[psasync.BoardCyberAlerts][:1] {
				if ts := e.tickets(t, psasync.BoardCyberAlerts)[k]; len(ts) != 1 || !strings.Contains(ts[0].Summary, "changed") {
					proof.Violation(t, "changed alert %s: %+v", k, ts)
				}
			}
			if ms := e.mappings(t); len(ms) != 4 {
				proof.Violation(t, "mappings after restarts: %d, want 4", len(ms))
			}
			for _, b := range psasync.Boards() {
				if bc, err := e.in.BoardConfig(ctx, b); err != nil || bc == nil {
					proof.Violation(t, "%s configuration after restarts: %v %v", b, bc, err)
				}
			}
			if s, err := psasync.LoadSettings(ctx, e.store, heimdaltest.ResellerID); err != nil || s != settingsOf(e.cw) {
				proof.Violation(t, "settings after restarts: %v", err)
			}
			// And a last run changes nothing.
			rep := e.sync(t)
			if rep.Created+rep.Updated+rep.Closed != 0 || !rep.Resumed {
				proof.Violation(t, "a run after recovery still wrote: %v", &rep.Report)
			}
			proof.Restarted(r.Count)
			if testing.Verbose() {
				t.Logf("%d restarts: %s", r.Count, strings.Join(r.Log, "; "))
			}
		})
	}
	proof.Report(t)
}
