package cwservice_test

import (
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwservice"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/internal/cwtestkit"
)

// TestGeneratedWalkOf100kTicketsKeepsHeapBounded is connectwise's heap
// test for the generated iterator: 100,000 tickets, forward-only, the live
// heap sampled every 10,000. A lazy walk holds one page; one that kept what
// it yielded would grow by tens of MB.
func TestGeneratedWalkOf100kTicketsKeepsHeapBounded(t *testing.T) {
	const tickets, bound = 100_000, 16 << 20
	srv := cwtest.NewUnstartedServer()
	srv.AddTickets(tickets, nil)
	svc := cwservice.New(cwtestkit.MemClient(t, srv, connectwise.WithRateLimit(0, 1)))
	cwtestkit.WalkKeepsHeapBounded(t, svc.Tickets.All(t.Context(), &connectwise.ListOptions{ForwardOnly: true, Fields: "id,summary"}), tickets, bound)
}
