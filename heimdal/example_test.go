package heimdal_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
)

// Heimdal lists alerts per section; each carries its module code.
func Example() {
	srv := heimdaltest.NewServer(heimdaltest.WithClock(func() time.Time {
		return time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	}))
	defer srv.Close()
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleRansomware, "ACME-DC01", "Encryption attempt blocked", "vssadmin.exe")
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleZeroTrust, "ACME-WS01", "Untrusted binary blocked", "setup.exe")

	client, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	for e, err := range client.CyberAlerts.All(context.Background(), heimdaltest.AcmeID, nil) {
		if err != nil {
			log.Fatal(err)
		}
		m, _ := heimdal.SectionCyberAlerts.LookupModule(e.Type)
		fmt.Printf("%s %s: %s on %s\n", m.Section(), m, e.Title, e.Hostname)
	}
	// Output:
	// Cyber Alerts REP: Encryption attempt blocked on ACME-DC01
	// Cyber Alerts ZT: Untrusted binary blocked on ACME-WS01
}

func ExampleNewClient() {
	_, err := heimdal.NewClient("  pasted-key-with-spaces ")
	fmt.Println(err)
	// Output:
	// heimdal: APIKey: has leading whitespace (a space) and trailing whitespace (a space): copy it again without spaces or line breaks
}

// A reseller key lists its customers, to match them to PSA companies.
func ExampleCustomersService_All() {
	srv := heimdaltest.NewServer()
	defer srv.Close()
	client, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	for c, err := range client.Customers.All(context.Background(), srv.ResellerID(), &heimdal.ListOptions{PageSize: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(c.ID, c.Name)
	}
	// Output:
	// 200101 Acme Corp
	// 200102 Globex
	// 200103 Initech
	// 200104 Umbrella Corporation
	// 200105 Zorgon Dynamics ApS
}
