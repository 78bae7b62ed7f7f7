// Reproduction for the lead (not compiled: testdata is ignored by the go
// tool). Copy into any package of the module and run it: ticket 2 stays
// open for good next to the closed ticket 1, both carrying evt-1.

package soak_test

import (
	"context"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// A write abandoned by a crashed sync lands after the restarted sync has
// listed: the key has two open tickets until the next sync. If a
// technician closes the lower one meanwhile, no later sync repairs it
// (KeepClosed source), because only open duplicates are repaired.
func TestReproClosedDuplicate(t *testing.T) {
	ctx := context.Background()
	srv := cwtest.NewServer()
	defer srv.Close()
	c, err := connectwise.NewClient(srv.Config(), connectwise.WithRateLimit(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ticketsync.Resolve(ctx, c, ticketsync.BoardSettings{Board: connectwise.Ref{Name: "Service Desk"}, Status: connectwise.Ref{Name: "New"}})
	if err != nil {
		t.Fatal(err)
	}
	acme, _ := srv.CompanyByIdentifier("AcmeCorp")
	s, _ := ticketsync.New(c, ticketsync.Policy{Source: "officeprotect", KeepClosed: true})
	alerts := []ticketsync.Alert{{Key: "evt-1", Company: connectwise.Ref{ID: acme.ID}, Board: b.Board, Status: b.Status, Summary: "x", Start: time.Now()}}
	if _, err := s.Sync(ctx, alerts); err != nil {
		t.Fatal(err)
	}
	first := srv.Tickets()[0]
	// The crashed process's create lands late: same externalXRef.
	srv.AddTickets(1, func(_ int, tk *cwtest.Ticket) { tk.ExternalXRef = first.ExternalXRef; tk.Company = first.Company })
	// A technician resolves the alert's ticket before the next sync.
	var closed cwtest.Ref
	for _, st := range srv.Statuses(first.Board.ID) {
		if st.ClosedStatus {
			closed = cwtest.Ref{ID: st.ID, Name: st.Name}
		}
	}
	srv.UpdateTicket(first.ID, func(tk *cwtest.Ticket) { tk.Status = &closed })
	for range 3 {
		rep, err := s.Sync(ctx, alerts)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("sync: %v", rep)
	}
	for _, tk := range srv.Tickets() {
		t.Logf("ticket %d closed=%v xref=%s", tk.ID, tk.ClosedFlag, tk.ExternalXRef)
	}
}
