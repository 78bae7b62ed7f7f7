package heimdal_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
)

// The integration's read side: everything Heimdal shows for a customer,
// routed to its PSA board and ticket type.
func Example() {
	srv := heimdaltest.NewServer(heimdaltest.WithClock(func() time.Time {
		return time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	}))
	defer srv.Close()
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "C: is 97% full")
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleRansomware, "ACME-DC01", "Encryption attempt blocked", "vssadmin.exe")
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleLAD, "alice@acme.example", "Impossible travel", "Copenhagen, then Sydney")

	client, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	for a, err := range client.OpenAlerts(context.Background(), heimdaltest.AcmeID) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s / %s: %s on %s\n  key %s\n", a.Board(), a.Module.TypeName(), a.Title, a.Target, a.Key)
	}
	// Output:
	// Heimdal Operations / Disk: Low disk space on ACME-WS01
	//   key 200101/DISK/300002/700001
	// Heimdal Cyber Alerts / Ransomware Encryption: Encryption attempt blocked on ACME-DC01
	//   key 200101/REP/300001/700002
	// Heimdal M365 Notifications / LAD Alerts: Impossible travel on alice@acme.example
	//   key 200101/LAD/00000000-0000-4000-8000-000000000001/700003
}

// Board provisioning creates one ticket type per module on each board.
func ExampleModulesFor() {
	for _, b := range heimdal.Boards() {
		fmt.Printf("%s:", b)
		for _, m := range heimdal.ModulesFor(b) {
			fmt.Printf(" %s=%q", m, m.TypeName())
		}
		fmt.Println()
	}
	// Output:
	// Heimdal Operations: CPU="CPU" MEM="Memory" DISK="Disk" MU="Microsoft Updates" AV="Next-Gen Antivirus" DNSP="DNS Poisoning" FW="Firewall"
	// Heimdal Cyber Alerts: REP="Ransomware Encryption" PAM="Privileged Access Management" NGAV="Next-Gen Antivirus" VND="VectorN Detection" ZT="Zero-Trust"
	// Heimdal M365 Notifications: LAD="LAD Alerts" REP-C="REP Cloud Alerts" FW-R="Forwarding Rules Alerts" SEC-I="User Compliance"
}

// Keys come from Heimdal's ids only, so they survive text and time changes.
func ExampleNewKey() {
	fmt.Println(heimdal.NewKey("229584", heimdal.ModuleMemory, "300017", "81234"))
	fmt.Println(heimdal.NewKey("229584", heimdal.ModuleForwardingRules, "user/with/slashes", ""))
	// Output:
	// 229584/MEM/300017/81234
	// 229584/FW-R/user%2Fwith%2Fslashes
}

// Configuration mistakes are caught before any call and never echo the key.
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
