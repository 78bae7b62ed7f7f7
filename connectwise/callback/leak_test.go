package callback_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/callback"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/internal/testbody"
)

// TestDeliveriesLeaveNoGoroutines registers a callback, makes changes that
// are delivered, verified and passed on (the handler fetching its key over
// real HTTP), then closes everything: the goroutine count must return to
// where it started. Not parallel: it counts goroutines.
func TestDeliveriesLeaveNoGoroutines(t *testing.T) {
	base := runtime.NumGoroutine()
	srv := cwtest.NewServer()
	apiTransport, keyTransport := &http.Transport{}, &http.Transport{}
	cfg := srv.Config()
	c, err := connectwise.NewClient(cfg, connectwise.WithHTTPClient(&http.Client{Transport: apiTransport}))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan *callback.Event, 4)
	h, err := callback.NewHandler(callback.Config{Site: cfg.Site, CompanyID: cfg.CompanyID}, func(_ context.Context, ev *callback.Event) error {
		got <- ev
		return nil
	}, callback.WithLoopbackHTTPKeys(), callback.WithHTTPClient(&http.Client{Transport: keyTransport}))
	if err != nil {
		t.Fatal(err)
	}
	hook := httptest.NewServer(h)
	ctx := t.Context()
	if _, _, err := callback.NewService(c).Ensure(ctx, callback.Entry{URL: hook.URL + "/?id=", Type: callback.TypeTicket, Level: callback.LevelOwner, ObjectID: 1}); err != nil {
		t.Fatal(err)
	}
	tk, _, err := c.Tickets.Create(ctx, &connectwise.Ticket{Summary: "leak check", Company: connectwise.Ref{ID: srv.Companies()[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Tickets.Delete(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if err := srv.FlushCallbacks(ctx); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d events, want 2", len(got))
	}
	srv.Close()
	hook.Close()
	apiTransport.CloseIdleConnections()
	keyTransport.CloseIdleConnections()
	testbody.CheckGoroutines(t, base)
}
