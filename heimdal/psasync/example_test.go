package psasync_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

// The setup screen and two Syncs, against the simulators.
func Example() {
	ctx := context.Background()
	psa := cwtest.NewServer()
	defer psa.Close()
	hd := heimdaltest.NewServer()
	defer hd.Close()

	hc, err := heimdal.NewClient(hd.APIKey(), hd.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	in, err := psasync.New(hc, hd.ResellerID(),
		psasync.WithConnectWiseOptions(connectwise.WithRateLimit(0, 1), connectwise.WithRetry(3, time.Millisecond, time.Millisecond)))
	if err != nil {
		log.Fatal(err)
	}

	cfg := psa.Config()
	must(in.UpdateSettings(psasync.Settings{CompanyID: cfg.CompanyID, Site: cfg.Site, PublicKey: cfg.PublicKey, PrivateKey: cfg.PrivateKey, ClientID: cfg.ClientID}))
	fmt.Println("save before testing:", in.Save() != nil)
	_, err = in.TestConnection(ctx)
	must(err)
	must(in.Save())

	_, err = in.ProvisionBoards(ctx)
	must(err)
	for _, b := range psasync.Boards() {
		_, err := in.ConfigureBoard(ctx, b, psasync.DefaultBoardSettings(b))
		must(err)
	}
	cs, err := in.SyncCustomers(ctx)
	must(err)
	must(in.Accept(cs.Proposals()...))
	fmt.Println("unmatched:", cs.Unmatched()[0].Customer.Name)

	key := hd.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "C: is 97% full")
	hd.Raise(heimdaltest.GlobexID, heimdal.ModuleLAD, "alice@globex.example", "Impossible travel", "")
	rep, err := in.Sync(ctx)
	must(err)
	for _, br := range rep.Boards {
		fmt.Printf("%s: %d created\n", br.Board, br.Tickets.Created)
	}

	hd.Clear(key)
	rep, err = in.Sync(ctx)
	must(err)
	ops, _ := rep.Board(psasync.BoardOperations)
	fmt.Printf("%s: %d closed\n", ops.Board, ops.Tickets.Closed)
	// Output:
	// save before testing: true
	// unmatched: Zorgon Dynamics ApS
	// Heimdal Operations: 1 created
	// Heimdal Cyber Alerts: 0 created
	// Heimdal M365 Notifications: 1 created
	// Heimdal Operations: 1 closed
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
