package infima_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
)

// Walk every client and print INFIMA's own rollups; a freshly onboarded
// client has none yet. (security360/infimasync derives the Security 360
// categories from each client's users.)
func Example() {
	srv := infimatest.NewServer(infimatest.WithClock(func() time.Time { return time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC) }))
	defer srv.Close()
	c, err := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	for company, err := range c.Clients.All(context.Background(), nil) {
		if err != nil {
			fmt.Println(err)
			return
		}
		if company.TrainingOnTrackRate == nil {
			fmt.Printf("%s: %d users, no training data yet\n", company.Name, company.UserCount)
			continue
		}
		fmt.Printf("%s: %d users, %.1f%% on track\n", company.Name, company.UserCount, *company.TrainingOnTrackRate)
	}
	// Output:
	// Acme Dental Group: 16 users, 81.3% on track
	// Blue Ridge Logistics: 5 users, 60.0% on track
	// Cedar Creek Accounting: 16 users, 75.0% on track
	// Summit Family Medicine: 20 users, 75.0% on track
	// Lakeside Credit Union: 5 users, 40.0% on track
	// Northgate Engineering: 15 users, 80.0% on track
	// Pinecrest Law Partners: 15 users, 73.3% on track
	// Riverbend Manufacturing: 17 users, 82.4% on track
	// Silverline Realty: 15 users, 93.3% on track
	// Tri-County Insurance Agency: 14 users, 64.3% on track
	// Westfield Veterinary Clinic: 18 users, 72.2% on track
	// Harbor Point Bakery: 6 users, no training data yet
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
	fmt.Println(n, "clients in", len(srv.Requests()), "requests")
	// Output:
	// 137 clients in 3 requests
}

func ExampleUsersService_All() {
	srv := infimatest.NewServer(infimatest.WithClock(func() time.Time { return time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC) }))
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
