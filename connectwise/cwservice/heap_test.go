package cwservice_test

import (
	"net/http"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwservice"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// TestGeneratedWalkOf100kTicketsKeepsHeapBounded is connectwise's heap
// test for the generated iterator: 100,000 tickets, forward-only, the live
// heap sampled every 10,000. A lazy walk holds one page; one that kept what
// it yielded would grow by tens of MB.
func TestGeneratedWalkOf100kTicketsKeepsHeapBounded(t *testing.T) {
	const tickets, bound = 100_000, 16 << 20
	srv := cwtest.NewUnstartedServer()
	srv.AddTickets(tickets, nil)
	cfg := srv.Config()
	cfg.Site = "http://127.0.0.1" // never dialled: the transport calls the handler
	c, err := connectwise.NewClient(cfg, connectwise.WithHTTPClient(&http.Client{Transport: srv.Transport()}), connectwise.WithRateLimit(0, 1))
	if err != nil {
		t.Fatal(err)
	}
	svc := cwservice.New(c)
	defer debug.SetGCPercent(debug.SetGCPercent(800))
	var ms runtime.MemStats
	live := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	base := live()
	var peak uint64
	n := 0
	for _, err := range svc.Tickets.All(t.Context(), &connectwise.ListOptions{ForwardOnly: true, Fields: "id,summary"}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%10_000 == 0 {
			peak = max(peak, live())
		}
	}
	if n < tickets {
		t.Fatalf("walked %d tickets, want at least %d", n, tickets)
	}
	if peak > base && peak-base > bound {
		t.Errorf("live heap grew by %d MB during the walk (bound %d MB)", (peak-base)>>20, bound>>20)
	}
	t.Logf("walked %d tickets; live heap grew by at most %d KB", n, (max(peak, base)-base)>>10)
}
