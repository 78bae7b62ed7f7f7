package cwservice_test

import (
	"iter"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
	"github.com/psabridge/psabridge/connectwise/cwservice"
	"github.com/psabridge/psabridge/connectwise/internal/cwtestkit"
)

// These compare the generated Tickets.All (full cwmodel.Ticket, pointer
// fields) with net/http and encoding/json decoding the same pages into the
// same type, over the simulator on loopback: their ratio is the overhead
// of the generated path, as connectwise's BenchmarkIterate is for the
// hand-written one. They only run with -bench.

func BenchmarkIterateGenerated(b *testing.B) {
	svc := cwservice.New(cwtestkit.BenchClient(b, cwtestkit.BenchTicketServer(b), connectwise.WithRateLimit(0, 1)))
	cwtestkit.BenchIterate(b, func() iter.Seq2[cwmodel.Ticket, error] {
		return svc.Tickets.All(b.Context(), &connectwise.ListOptions{ForwardOnly: true, PageSize: connectwise.MaxPageSize})
	})
}

func BenchmarkIterateGeneratedRaw(b *testing.B) {
	cwtestkit.BenchIterate(b, cwtestkit.RawTickets(b, cwtestkit.BenchTicketServer(b), func(t cwmodel.Ticket) int { return int(*t.ID) }))
}
