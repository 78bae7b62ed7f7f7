package ticketsync_test

import (
	"context"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// TestTruncatedCreateMakesExactlyOneTicket: a create answered 201 whose
// body is cut off happened on the PSA, but its id never arrived. The
// client reports it as outcome-unknown, so the create path looks the key
// up and adopts the ticket instead of creating it again (issue 14 item 9).
func TestTruncatedCreateMakesExactlyOneTicket(t *testing.T) {
	f := newFixture(t)
	fault := cwtest.TruncatedSuccess(3)
	fault.Method, fault.PathContains = "POST", "/service/tickets"
	f.srv.InjectFault(fault)
	s := f.syncer(t, ticketsync.Policy{Source: "cut", Concurrency: 1})
	alerts := f.alerts(5, "Disk failing")
	rep, err := s.Sync(context.Background(), alerts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 5 || len(rep.Failed) != 0 {
		t.Fatalf("report %s failed %v", rep, rep.Failed)
	}
	f.checkOnePerKey(t, "cut", alerts)
	if n := f.srv.CountRequests("POST", "/service/tickets"); n != 5 {
		t.Errorf("POSTs = %d, want 5 (a cut-off create is looked up, not re-sent)", n)
	}
}
