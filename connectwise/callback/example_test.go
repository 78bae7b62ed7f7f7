package callback_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/callback"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// Register a callback for every ticket, receive the PSA's signed
// deliveries on an http.Handler and read each ticket as a typed model.
// The simulator stands in for the PSA; against a real one, Site is your
// PSA host and the receiver's URL must be reachable from it over https.
func Example() {
	ctx := context.Background()
	psa := cwtest.NewServer()
	defer psa.Close()
	cfg := psa.Config()
	client, err := connectwise.NewClient(cfg)
	if err != nil {
		panic(err)
	}

	events := make(chan *callback.Event, 10)
	h, err := callback.NewHandler(callback.Config{Site: cfg.Site, CompanyID: cfg.CompanyID},
		func(ctx context.Context, ev *callback.Event) error {
			events <- ev // hand over quickly; the PSA waits at most 5 s
			return nil
		},
		callback.WithLoopbackHTTPKeys(), // the simulator serves its key over http on loopback
	)
	if err != nil {
		panic(err)
	}
	receiver := httptest.NewServer(h)
	defer receiver.Close()

	_, created, err := callback.NewService(client).Ensure(ctx, callback.Entry{
		URL:         receiver.URL + "/psa?recordId=",
		Type:        callback.TypeTicket,
		Level:       callback.LevelOwner,
		ObjectID:    1,
		Description: "example: every ticket",
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("registered:", created)

	company := psa.Companies()[0]
	if _, _, err := client.Tickets.Create(ctx, &connectwise.Ticket{Summary: "Phishing reported by J. Smith", Company: connectwise.Ref{ID: company.ID}}); err != nil {
		panic(err)
	}
	if err := psa.FlushCallbacks(ctx); err != nil { // tests only: wait for the delivery
		panic(err)
	}
	ev := <-events
	t, err := callback.Decode[connectwise.Ticket](ev)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Action, ev.Type, t.Summary)
	// Output:
	// registered: true
	// added ticket Phishing reported by J. Smith
}
