package infimasync_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
	"github.com/psabridge/psabridge/security360/infimasync/infimasynctest"
	"github.com/psabridge/psabridge/security360/security360test"
)

func ExampleTestConnection() {
	s := infimasync.Settings{ServerURL: "http://app.infimasecapis.com", APIKey: "pasted-key"}
	_, err := infimasync.TestConnection(context.Background(), s)
	var ce *infimasync.ConnectionError
	if errors.As(err, &ce) {
		fmt.Println(ce.Cause, ce.Field)
	}
	fmt.Println(s) // the key is never printed
	// Output:
	// url-not-https ServerURL
	// infimasync.Settings{ServerURL:"http://app.infimasecapis.com", APIKey:[REDACTED]}
}

// The flow's verbs in the setup guide's order: Test Connection, map INFIMA
// clients to Asio sites, then Sync customers, here twice: the second run
// sends nothing, because nothing changed.
func ExampleSyncer() {
	ctx := context.Background()
	inf := infimatest.NewServer()
	defer inf.Close()
	asioSrv := security360test.NewServer()
	defer asioSrv.Close()

	in, _ := infima.NewClient(inf.APIKey(), inf.ClientOptions()...)
	asio, _ := security360.NewClient(asioSrv.Credentials(), asioSrv.ClientOptions()...)
	store := flow.NewMemoryStore() // flow.Open(path) keeps it across restarts
	training := infimasynctest.NewRecorder()
	s, err := infimasync.New(in, asio, store, training)
	if err != nil {
		panic(err)
	}
	check, _ := s.Check(ctx)
	for _, it := range check.Items {
		if it.Name == "Test Connection" {
			fmt.Println(it.Name+":", it.Status)
		}
	}

	co := asioSrv.AddCompany("Acme Dental Group PLLC")
	site, _ := asioSrv.AddSite(co.ID, "Main")
	err = s.SaveMappings(ctx, []infimasync.Mapping{{InfimaClientID: inf.ClientIDs()[0], CompanyID: co.ID, SiteID: site.ID}})
	if err != nil {
		panic(err)
	}
	for range 2 {
		rep, err := s.Run(ctx)
		if err != nil {
			panic(err)
		}
		fmt.Printf("delivered %d, unchanged %d\n", rep.Delivered(), rep.Unchanged)
	}
	// Output:
	// Test Connection: granted
	// delivered 3, unchanged 0
	// delivered 0, unchanged 3
}

// The Security 360 data flow in a few lines: walk every client, derive the
// three categories from one walk of its users, and skip clients with
// nothing to show yet.
func ExampleBuildClientReport() {
	srv := infimatest.NewServer(infimatest.WithNow(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)))
	defer srv.Close()
	c, err := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	for company, err := range c.Clients.All(ctx, nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		r, err := clientReport(ctx, c, company)
		if err != nil {
			fmt.Println(err)
			return
		}
		if !r.HasData() {
			fmt.Printf("%s: nothing to sync yet\n", company.Name)
			continue
		}
		fmt.Printf("%s: %.1f%% on track, %d phishing tests (%d failed), %d courses scheduled\n",
			company.Name, *r.Training.OnTrackRate, r.Phishing.Tests, r.Phishing.Outcomes.Failed(), len(r.Schedule.Assignments))
	}
	// Output:
	// Acme Dental Group: 81.3% on track, 73 phishing tests (12 failed), 16 courses scheduled
	// Blue Ridge Logistics: 60.0% on track, 24 phishing tests (4 failed), 5 courses scheduled
	// Cedar Creek Accounting: 75.0% on track, 85 phishing tests (20 failed), 16 courses scheduled
	// Summit Family Medicine: 75.0% on track, 91 phishing tests (25 failed), 20 courses scheduled
	// Lakeside Credit Union: 40.0% on track, 22 phishing tests (6 failed), 5 courses scheduled
	// Northgate Engineering: 80.0% on track, 76 phishing tests (20 failed), 15 courses scheduled
	// Pinecrest Law Partners: 73.3% on track, 65 phishing tests (18 failed), 15 courses scheduled
	// Riverbend Manufacturing: 82.4% on track, 74 phishing tests (28 failed), 17 courses scheduled
	// Silverline Realty: 93.3% on track, 51 phishing tests (10 failed), 15 courses scheduled
	// Tri-County Insurance Agency: 64.3% on track, 65 phishing tests (13 failed), 14 courses scheduled
	// Westfield Veterinary Clinic: 72.2% on track, 70 phishing tests (11 failed), 18 courses scheduled
	// Harbor Point Bakery: nothing to sync yet
}
