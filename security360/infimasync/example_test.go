package infimasync_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/infimasync"
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

func ExampleSyncer() {
	srv := infimatest.NewServer()
	defer srv.Close()
	in, err := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		panic(err)
	}
	ids := srv.ClientIDs()
	mappings := infimasync.NewMemoryStore(
		infimasync.Mapping{ClientID: ids[0], CompanyID: "company-1", SiteID: "site-1"},
		infimasync.Mapping{ClientID: srv.FreshClientID(), CompanyID: "company-2", SiteID: "site-2"},
	)
	training := security360test.NewStore() // stands in for the Training screen
	sink := infimasync.SinkFunc(func(_ context.Context, d infimasync.Delivery) error {
		training.Put(d.SiteKey(), string(d.Kind), d.Payload)
		return nil
	})
	s, err := infimasync.NewSyncer(in, mappings, sink)
	if err != nil {
		panic(err)
	}
	for range 2 {
		rep, err := s.Run(context.Background())
		if err != nil {
			panic(err)
		}
		fmt.Printf("delivered %d, unchanged %d, empty %d\n", rep.Delivered, rep.SkippedUnchanged, rep.SkippedEmpty)
	}
	// Output:
	// delivered 3, unchanged 0, empty 3
	// delivered 0, unchanged 3, empty 3
}
