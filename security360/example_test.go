package security360_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/security360test"
)

// The simulator stands in for Asio here; against the real platform, pass
// the API key's credentials and, outside North America, a regional
// WithBaseURL.
func Example() {
	srv := security360test.NewServer()
	defer srv.Close()

	client, err := security360.NewClient(srv.Credentials(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	for company, err := range client.Companies.All(context.Background(), nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(company.Name)
	}
	// Output:
	// Acme Corp
	// Globex Corporation
	// Initech LLC
	// Umbrella Health
	// Vandelay Industries
}

// Recording an INFIMA client mapping on a site is idempotent: the second
// call finds the mapping in place and writes nothing.
func ExampleSitesService_SetExternalID() {
	srv := security360test.NewServer()
	defer srv.Close()
	client, err := security360.NewClient(srv.Credentials(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	acme, _ := srv.CompanyByName("Acme Corp")
	hq := srv.Sites(acme.ID)[0]

	mapping := security360.ExternalID{ExternalID: "1001", ProductID: "infima"}
	for range 2 {
		site, changed, err := client.Sites.SetExternalID(ctx, acme.ID, hq.ID, mapping)
		if err != nil {
			log.Fatal(err)
		}
		e, _ := site.ExternalIDFor("infima")
		fmt.Printf("%s -> INFIMA client %s (changed: %v)\n", site.Name, e.ExternalID, changed)
	}
	// Output:
	// Acme Corp HQ -> INFIMA client 1001 (changed: true)
	// Acme Corp HQ -> INFIMA client 1001 (changed: false)
}

func ExampleSitesService_All() {
	srv := security360test.NewServer(security360test.WithPageSize(1))
	defer srv.Close()
	client, err := security360.NewClient(srv.Credentials(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	initech, _ := srv.CompanyByName("Initech LLC")
	// One request per page, made only as the loop asks for more.
	for site, err := range client.Sites.All(context.Background(), initech.ID, nil) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(site.DisplayName())
	}
	// Output:
	// Initech Austin
	// Initech Dallas
}

func ExampleCredentials() {
	creds := security360.Credentials{ClientID: "0e30c0ffee", ClientSecret: "never-printed"}
	fmt.Println(creds)
	fmt.Printf("%#v\n", creds)
	// Output:
	// security360.Credentials{ClientID:"0e30c0ffee" ClientSecret:"[REDACTED]" Scope:""}
	// security360.Credentials{ClientID:"0e30c0ffee" ClientSecret:"[REDACTED]" Scope:""}
}

func ExampleTokenError() {
	srv := security360test.NewServer()
	defer srv.Close()
	creds := srv.Credentials()
	creds.ClientSecret = "a-stale-secret"
	client, err := security360.NewClient(creds, srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = client.Companies.List(context.Background(), nil)
	fmt.Println(errors.Is(err, security360.ErrCredentialsRejected))
	// Output:
	// true
}

func ExampleClient_RateLimits() {
	srv := security360test.NewServer()
	defer srv.Close()
	client, err := security360.NewClient(srv.Credentials(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := client.Companies.List(context.Background(), nil); err != nil {
		log.Fatal(err)
	}
	rl, _, err := client.RateLimits(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	name, q, _ := rl.Family("partner") // companies and sites
	fmt.Printf("%s: %d of %d requests left\n", name, q.Remaining, q.Limit)
	// Output:
	// companies: 499 of 500 requests left
}
