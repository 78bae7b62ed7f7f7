package cwservice_test

import (
	"context"
	"fmt"
	"log"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
	"github.com/psabridge/psabridge/connectwise/cwservice"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// A ticket created with the generated service: only the fields set are
// sent, and the PSA fills in the rest (status, priority...), which the
// answer carries.
func Example() {
	srv := cwtest.NewServer()
	defer srv.Close()
	c, err := connectwise.NewClient(srv.Config(), connectwise.WithHTTPClient(srv.Client()))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	svc := cwservice.New(c)

	board, err := svc.Boards.ByName(ctx, "help desk")
	if err != nil {
		log.Fatal(err)
	}
	t, _, err := svc.Tickets.Create(ctx, &cwmodel.Ticket{
		Summary: new("Disk full on SRV-01"),
		Board:   &cwmodel.BoardReference{ID: board.ID},
		Company: &cwmodel.CompanyReference{Identifier: new("AcmeCorp")},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(*t.Summary, "|", *t.Board.Name, "|", t.Status != nil)

	n, _, err := svc.Tickets.Count(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("board/id = ?", *board.ID)})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "ticket(s) on", *board.Name)
	// Output:
	// Disk full on SRV-01 | Help Desk | true
	// 1 ticket(s) on Help Desk
}
