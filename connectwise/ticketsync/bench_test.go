package ticketsync_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// BenchmarkResyncUnchanged re-syncs 2,000 alerts whose tickets are all up
// to date: the steady state of an integration. It should cost one listing
// per 1,000 open tickets and no write; calls/op reports that, and ns/op is
// the SDK's CPU cost with the simulator's (no latency, no rate limit).
// `go run ./internal/bench` measures the same against a rate-limited,
// latency-adding simulator.
func BenchmarkResyncUnchanged(b *testing.B) {
	const n = 2000
	srv := cwtest.NewServer(cwtest.WithRequestLogSize(100))
	b.Cleanup(srv.Close)
	c, err := connectwise.NewClient(srv.Config(), connectwise.WithRateLimit(0, 1))
	if err != nil {
		b.Fatal(err)
	}
	board, ok := srv.BoardByName("Service Desk")
	co, ok2 := srv.CompanyByIdentifier("AcmeCorp")
	if !ok || !ok2 {
		b.Fatal("seed lacks the Service Desk board or AcmeCorp")
	}
	var status int
	for _, st := range srv.Statuses(board.ID) {
		if st.DefaultFlag {
			status = st.ID
		}
	}
	alerts := make([]ticketsync.Alert, n)
	for i := range alerts {
		alerts[i] = ticketsync.Alert{
			Key:     fmt.Sprintf("dev-%06d/cpu", i),
			Company: connectwise.Ref{ID: co.ID}, Board: connectwise.Ref{ID: board.ID}, Status: connectwise.Ref{ID: status},
			Summary: fmt.Sprintf("High CPU on device %d", i), Description: "CPU above 95% for 10 minutes",
			Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		}
	}
	s, err := ticketsync.New(c, ticketsync.Policy{Source: "bench", AutoClose: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	if rep, err := s.Sync(ctx, alerts); err != nil || rep.Created != n {
		b.Fatalf("first sync: %v, %v", rep, err)
	}
	b.ReportAllocs()
	calls := 0
	for b.Loop() {
		rep, err := s.Sync(ctx, alerts)
		if err != nil || rep.Unchanged != n {
			b.Fatalf("re-sync: %v, %v", rep, err)
		}
		calls += rep.Calls
	}
	b.ReportMetric(float64(calls)/float64(b.N), "calls/op")
}
