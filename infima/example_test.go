package infima_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
)

// The Security 360 data flow in a few lines: walk every client, derive the
// three categories from one walk of its users, and skip clients with
// nothing to show yet.
func Example() {
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
		r, err := c.Report(ctx, company)
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

func ExampleNewClient() {
	// A key pasted with a trailing newline is refused before any call, and
	// the error names the field without echoing the key.
	_, err := infima.NewClient("0123456789abcdef\n")
	var ce *infima.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field)
	fmt.Println(err)

	_, err = infima.NewClient("0123456789abcdef", infima.WithBaseURL("http://app.infimasecapis.com"))
	fmt.Println(err)
	// Output:
	// true APIKey
	// infima: APIKey: has trailing whitespace (a line break): copy it again without spaces or line breaks
	// infima: BaseURL: "http://app.infimasecapis.com" uses plain http, which would send credentials in clear: use https:// (http is allowed only for loopback simulators) (use https://app.infimasecapis.com)
}

func ExampleIsKeyRejected() {
	srv := infimatest.NewServer()
	defer srv.Close()
	c, _ := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)

	srv.RotateKey() // someone pressed "Generate API Key" in INFIMA
	_, err := c.TestConnection(context.Background())
	fmt.Println(infima.IsKeyRejected(err))
	fmt.Println(err)
	// Output:
	// true
	// infima: GET /v1/partner: HTTP 401: INFIMA API key invalid or regenerated in INFIMA (a new key invalidates the old one); paste the current Reporting API key
}

func ExampleClientsService_All() {
	srv := infimatest.NewServer(infimatest.WithClients(137, 2))
	defer srv.Close()
	c, _ := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)

	n := 0
	for _, err := range c.Clients.All(context.Background(), nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		n++
	}
	// Pages of 50: three requests for 137 clients.
	fmt.Println(n, "clients in", srv.Requests(), "requests")
	// Output:
	// 137 clients in 3 requests
}

func ExampleUsersService_All() {
	srv := infimatest.NewServer(infimatest.WithNow(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)))
	defer srv.Close()
	c, _ := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)

	// Status "all" includes users who left the client.
	var active, inactive int
	for u, err := range c.Users.All(context.Background(), 1, &infima.UserListOptions{Status: infima.StatusAll}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if u.Status.IsActive() {
			active++
		} else {
			inactive++
		}
	}
	fmt.Println(active, "active,", inactive, "inactive")
	// Output:
	// 16 active, 1 inactive
}
