package connectwise_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// A client for the embedded simulator; for a real PSA, fill Config from
// the CW_* environment variables.
func ExampleNewClient() {
	srv := cwtest.NewServer()
	defer srv.Close()

	c, err := connectwise.NewClient(srv.Config())
	if err != nil {
		log.Fatal(err)
	}
	me, _, err := c.System.Me(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.Identifier, "files tickets on", me.ServiceDefaultBoard.Name)
	// Output: psabridge-api files tickets on Service Desk
}

// Keys pasted with a trailing newline are the most common setup mistake;
// the error names the field and never echoes the key.
func ExampleConfig_Validate() {
	err := connectwise.Config{
		Site:       "eu.myconnectwise.net",
		CompanyID:  "acme",
		PublicKey:  "pub",
		PrivateKey: "s3cret\n",
		ClientID:   "client-id",
	}.Validate()
	var ce *connectwise.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field)
	fmt.Println(err)
	// Output:
	// true PrivateKey
	// connectwise: PrivateKey: has trailing whitespace (a line break): copy it again without spaces or line breaks
}

// Where quotes values itself: a value holding a double quote is
// single-quoted, because PSA string literals have no escape character.
func ExampleWhere() {
	cond := connectwise.Where("summary = ? and board/id in ? and closedFlag = ?", `Disk "C:" full`, []int{1, 2}, false)
	fmt.Println(cond)
	_, err := connectwise.Literal(`both " and '`)
	fmt.Println(errors.Is(err, connectwise.ErrUnquotable))
	// Output:
	// summary = 'Disk "C:" full' and board/id in (1, 2) and closedFlag = false
	// true
}

// All walks every page lazily; forward-only paging is the fast, stable
// choice for full scans.
func ExampleTicketsService_All() {
	srv := cwtest.NewServer()
	defer srv.Close()
	board, _ := srv.BoardByName("Service Desk")
	srv.AddTickets(2500, func(i int, t *cwtest.Ticket) {
		t.Summary = fmt.Sprintf("alert %d", i)
		t.Board = &cwtest.Ref{ID: board.ID}
		t.Company = &cwtest.Ref{ID: srv.Companies()[0].ID}
	})
	c, _ := connectwise.NewClient(srv.Config())

	n := 0
	for _, err := range c.Tickets.All(context.Background(), &connectwise.ListOptions{ForwardOnly: true}) {
		if err != nil {
			log.Fatal(err)
		}
		n++
	}
	fmt.Println(n, "tickets in", srv.CountRequests("GET", "/service/tickets"), "requests")
	// Output: 2500 tickets in 3 requests
}

// CheckAccess reports, right by right, what the API member's security role
// lacks.
func ExampleClient_CheckAccess() {
	srv := cwtest.NewServer()
	defer srv.Close()
	srv.SetPermission("Service Tickets", "None", "All", "All", "All")
	c, _ := connectwise.NewClient(srv.Config())

	rep, err := c.CheckAccess(context.Background(), []connectwise.Requirement{
		{Module: "Service Desk", Function: "Service Tickets", Rights: []connectwise.Right{connectwise.RightAdd, connectwise.RightInquire}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, chk := range rep.Checks {
		fmt.Println(chk)
	}
	fmt.Println(rep.Err())
	// Output:
	// Service Desk / Service Tickets: Add = None (missing)
	// Service Desk / Service Tickets: Inquire = All (granted)
	// connectwise: API member lacks Service Tickets: Add (grant them in System > Security Roles)
}
