package psasync_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

// The settings screen (Test Connection, then Save), the board and customer
// steps (Configure, Sync Customers) and two Runs, against the simulators.
func Example() {
	ctx := context.Background()
	psa := cwtest.NewServer()
	defer psa.Close()
	hd := heimdaltest.NewServer()
	defer hd.Close()
	store := flow.NewMemoryStore() // flow.Open(path) keeps it across restarts

	// Test Connection and Save: settings are saved only after a successful
	// test, and Save hands over the tested PSA client.
	setup, err := psasync.NewSetup(store, hd.ResellerID(), connectwise.WithRateLimit(0, 1), connectwise.WithRetry(3, time.Millisecond, time.Millisecond))
	must(err)
	cfg := psa.Config()
	must(setup.UpdateSettings(psasync.Settings{CompanyID: cfg.CompanyID, Site: cfg.Site, PublicKey: cfg.PublicKey, PrivateKey: cfg.PrivateKey, ClientID: cfg.ClientID}))
	_, err = setup.Save(ctx)
	fmt.Println("save before testing:", err != nil)
	_, err = setup.TestConnection(ctx)
	must(err)
	pc, err := setup.Save(ctx)
	must(err)

	hc, err := heimdal.NewClient(hd.APIKey(), hd.ClientOptions()...)
	must(err)
	in, err := psasync.New(hc, pc, store, hd.ResellerID())
	must(err)
	_, err = in.ProvisionBoards(ctx)
	must(err)
	for _, b := range psasync.Boards() {
		_, err := in.ConfigureBoard(ctx, b, psasync.DefaultBoardSettings(b))
		must(err)
	}
	cs, err := in.SyncCustomers(ctx)
	must(err)
	must(in.Accept(ctx, cs.Proposals()...))
	fmt.Println("unmatched:", cs.Unmatched()[0].Customer.Name)

	key := hd.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "C: is 97% full")
	hd.Raise(heimdaltest.GlobexID, heimdal.ModuleLAD, "alice@globex.example", "Impossible travel", "")
	rep, err := in.Run(ctx)
	must(err)
	for _, br := range rep.Boards {
		fmt.Printf("%s: %d created\n", br.Board, br.Tickets.Created)
	}

	hd.Clear(key)
	rep, err = in.Run(ctx)
	must(err)
	ops, _ := rep.Board(psasync.BoardOperations)
	fmt.Printf("%s: %d closed (resumed %v)\n", ops.Board, ops.Tickets.Closed, rep.Resumed)
	// Output:
	// save before testing: true
	// unmatched: Zorgon Dynamics ApS
	// Heimdal Operations: 1 created
	// Heimdal Cyber Alerts: 0 created
	// Heimdal M365 Notifications: 1 created
	// Heimdal Operations: 1 closed (resumed true)
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
