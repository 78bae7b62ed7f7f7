package psasync_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

// raiseMany raises n alerts per board spread over the mapped customers and
// returns their keys by board.
func (e *env) raiseMany(n int) map[psasync.Board][]string {
	customers := []string{heimdaltest.AcmeID, heimdaltest.GlobexID, heimdaltest.InitechID, heimdaltest.UmbrellaID}
	prefix := map[string]string{heimdaltest.AcmeID: "acme", heimdaltest.GlobexID: "globex", heimdaltest.InitechID: "initech", heimdaltest.UmbrellaID: "umbrella"}
	out := map[psasync.Board][]string{}
	for i := range n {
		c := customers[i%len(customers)]
		for _, b := range psasync.Boards() {
			mods := psasync.ModulesFor(b)
			m := mods[i%len(mods)]
			target := fmt.Sprintf("%s-pc%02d", prefix[c], i)
			if b == psasync.BoardM365 {
				target = fmt.Sprintf("user%02d@%s.example", i, prefix[c])
			}
			out[b] = append(out[b], e.hd.Raise(c, m, target, fmt.Sprintf("%s alert %d", m, i), "details"))
		}
	}
	return out
}

// exactlyOne checks one open ticket per key and nothing else of the source.
func (e *env) exactlyOne(t *testing.T, keys map[psasync.Board][]string) {
	t.Helper()
	for b, ks := range keys {
		got := e.tickets(t, b)
		if len(got) != len(ks) {
			t.Errorf("%s: tickets for %d keys, want %d", b, len(got), len(ks))
		}
		for _, k := range ks {
			if ts := got[k]; len(ts) != 1 || ts[0].ClosedFlag {
				t.Errorf("%s: key %s has %d tickets (want 1 open)", b, k, len(ts))
			}
		}
	}
}

func TestFaultCreateDroppedAfterWriteMakesOneTicket(t *testing.T) {
	e := newReadyEnv(t)
	key := e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "")
	e.cw.InjectFault(cwtest.Fault{Method: "POST", PathContains: "/service/tickets", DropAfterWrite: true, Times: 1})
	rep := e.sync(t)
	dropped := 0
	for _, r := range e.cw.Requests() {
		if r.Dropped {
			dropped++
		}
	}
	if dropped != 1 {
		t.Fatalf("%d requests dropped, want the injected 1", dropped)
	}
	if ops, _ := rep.Board(psasync.BoardOperations); ops.Tickets.Created != 1 || len(ops.Tickets.Failed) != 0 {
		t.Errorf("report: %v", ops.Tickets)
	}
	e.exactlyOne(t, map[psasync.Board][]string{psasync.BoardOperations: {key}})
}

func TestFault429StormEveryAlertLands(t *testing.T) {
	e := newReadyEnv(t)
	keys := e.raiseMany(6)
	e.cw.InjectFault(cwtest.Fault{Status: 429, RetryAfter: "0", Times: 5})
	// Heimdal throttles too; its Retry-After is capped for the test.
	e.hd.InjectStatus(429, 2)
	rep := e.sync(t)
	throttled := 0
	for _, r := range e.cw.Requests() {
		if r.Status == 429 {
			throttled++
		}
	}
	if throttled != 5 {
		t.Errorf("%d PSA 429s served, want the injected 5", throttled)
	}
	for _, br := range rep.Boards {
		if br.Tickets.Created != 6 {
			t.Errorf("%s: %v", br.Board, br.Tickets)
		}
	}
	e.exactlyOne(t, keys)
}

func TestFaultParallelSyncsMakeNoDuplicates(t *testing.T) {
	e := newReadyEnv(t)
	keys := e.raiseMany(10)
	// Two Syncs of the same Integration, and one of a twin Integration with
	// the same settings and mappings (another worker of the same account).
	// The twin has its own clients and its own store, configured the
	// same way.
	twin := newIntegration(t, e.hd, e.cw, flow.NewMemoryStore(), heimdaltest.ResellerID)
	ctx := context.Background()
	for _, b := range psasync.Boards() {
		bc, err := e.in.BoardConfig(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := twin.ConfigureBoard(ctx, b, bc.Settings.BoardSettings); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range e.mappings(t) {
		if err := twin.MapCustomer(ctx, m.CustomerID, m.Company.ID); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i, in := range []interface {
		Run(context.Context) (*psasync.Report, error)
	}{e.in, e.in, twin} {
		wg.Go(func() { _, errs[i] = in.Run(ctx) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	e.exactlyOne(t, keys)
	// And the three together leave nothing to do.
	e.cw.ResetRequests()
	e.sync(t)
	e.onlyReads(t)
}

func TestFaultCancelledSyncStops(t *testing.T) {
	e := newReadyEnv(t)
	e.raiseMany(2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e.cw.ResetRequests()
	if _, err := e.in.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync with a cancelled context = %v", err)
	}
	if n := e.writes(); n != 0 {
		t.Errorf("%d ticket writes after cancellation", n)
	}
}

func TestFaultRevokedCredentialsStopSync(t *testing.T) {
	e := newReadyEnv(t)
	e.raiseMany(1)
	e.cw.RevokeCredentials()
	rep, err := e.in.Run(context.Background())
	if err == nil || rep == nil {
		t.Fatalf("Sync with revoked credentials = %v, %v", rep, err)
	}
	if len(e.cw.Tickets()) != 0 {
		t.Error("tickets created with revoked credentials")
	}
}
