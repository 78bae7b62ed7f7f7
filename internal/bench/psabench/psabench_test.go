package psabench_test

import (
	"net/http"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/internal/bench/psabench"
)

// The baseline must read what the SDK reads, or the benchmark ratios
// compare different work: every ticket once, in order, across pages.
func TestTicketsWalksEveryPageInOrder(t *testing.T) {
	srv, cfg := psabench.NewTicketServer(2500)
	defer srv.Close()
	hc := &http.Client{Transport: psabench.Transport()}
	n, last := 0, 0
	for tk, err := range psabench.Tickets(t.Context(), hc, cfg, func(t connectwise.Ticket) int { return t.ID }) {
		if err != nil {
			t.Fatal(err)
		}
		if tk.ID <= last {
			t.Fatalf("ticket %d after %d", tk.ID, last)
		}
		n, last = n+1, tk.ID
	}
	if n != 2500 {
		t.Fatalf("walked %d tickets, want 2500", n)
	}
}

// A refused request must end the walk with an error, not look like an
// empty list that the benchmark would time as a fast one.
func TestTicketsFailsOnRefusal(t *testing.T) {
	srv := cwtest.NewUnstartedServer()
	cfg := srv.Config()
	cfg.Site = "http://127.0.0.1"
	cfg.Codebase = cwtest.DefaultCodebase
	cfg.PrivateKey = "wrong"
	hc := &http.Client{Transport: srv.Transport()}
	for _, err := range psabench.Tickets(t.Context(), hc, cfg, func(t connectwise.Ticket) int { return t.ID }) {
		if err == nil {
			t.Fatal("a ticket with bad credentials")
		}
		return
	}
	t.Fatal("no error with bad credentials")
}
