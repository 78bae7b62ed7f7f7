package ticketsync_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// A source's alerts become tickets once; syncing the same set again costs
// one listing call, and a vanished alert's ticket is closed.
func Example() {
	srv := cwtest.NewServer()
	defer srv.Close()
	c, err := connectwise.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	// Validate the board settings against the live PSA before any write.
	board, err := ticketsync.Resolve(ctx, c, ticketsync.BoardSettings{
		Board:  connectwise.Ref{Name: "Service Desk"},
		Status: connectwise.Ref{Name: "New"},
	})
	if err != nil {
		log.Fatal(err)
	}
	acme, _ := srv.CompanyByIdentifier("AcmeCorp")
	alert := func(key, summary string) ticketsync.Alert {
		return ticketsync.Alert{
			Key: key, Summary: summary, Start: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC),
			Company: connectwise.Ref{ID: acme.ID}, Board: board.Board, Status: board.Status,
		}
	}
	s, err := ticketsync.New(c, ticketsync.Policy{Source: "example", AutoClose: true, CloseStatus: map[int]connectwise.Ref{board.Board.ID: board.Close}})
	if err != nil {
		log.Fatal(err)
	}
	for _, alerts := range [][]ticketsync.Alert{
		{alert("pc-1/cpu", "CPU at 98% on PC-1"), alert("pc-2/disk", "Disk C: 95% full on PC-2")},
		{alert("pc-1/cpu", "CPU at 98% on PC-1"), alert("pc-2/disk", "Disk C: 95% full on PC-2")},
		{alert("pc-1/cpu", "CPU at 98% on PC-1")},
	} {
		rep, err := s.Sync(ctx, alerts)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("created %d, unchanged %d, closed %d, API calls %d\n", rep.Created, rep.Unchanged, rep.Closed, rep.Calls)
	}
	// Output:
	// created 2, unchanged 0, closed 0, API calls 5
	// created 0, unchanged 2, closed 0, API calls 1
	// created 0, unchanged 1, closed 1, API calls 2
}
