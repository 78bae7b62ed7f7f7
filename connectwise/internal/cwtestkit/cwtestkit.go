// Package cwtestkit holds what the tests and benchmarks of the connectwise
// packages share: a client over an httpmock transport, a client over the
// simulator's in-memory transport, the bounded-heap walk and the
// iterator benchmarks with their hand-written baselines. It lives here,
// not in cwtest, because it is for this module's own tests only and
// cwtest is public.
package cwtestkit

import (
	"iter"
	"net/http"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/internal/bench/psabench"
)

// MockBase is the API root that MockClient's requests go to.
const MockBase = "https://api-eu.myconnectwise.net/v2025_1/apis/3.0/"

// MockClient is a client whose traffic goes to the returned httpmock
// transport. The codebase is fixed, so no companyinfo request is made, and
// it retries once, at once, so that error tests see the first answer.
func MockClient(t testing.TB) (*connectwise.Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	c, err := connectwise.NewClient(connectwise.Config{
		Site: "eu.myconnectwise.net", CompanyID: "acme", PublicKey: "PUBKEY12", PrivateKey: "PRIV-KEY-sup3rs3cret",
		ClientID: "11111111-2222-3333-4444-555555555555", Codebase: "v2025_1/",
	}, connectwise.WithHTTPClient(&http.Client{Transport: mt}), connectwise.WithRateLimit(0, 1),
		connectwise.WithRetry(1, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, mt
}

// MockService is newService (cwservice.New, cwsystem.New...) over
// MockClient.
func MockService[S any](t testing.TB, newService func(*connectwise.Client) S) (S, *httpmock.MockTransport) {
	t.Helper()
	c, mt := MockClient(t)
	return newService(c), mt
}

// MemClient is a client of srv over srv's in-memory transport, so it works
// inside a testing/synctest bubble and with an unstarted server. opts go
// after the transport, so a later WithHTTPClient replaces it.
func MemClient(t testing.TB, srv *cwtest.Server, opts ...connectwise.Option) *connectwise.Client {
	t.Helper()
	cfg := srv.Config()
	cfg.Site = "http://127.0.0.1" // never dialled: the transport calls the handler
	c, err := connectwise.NewClient(cfg, append([]connectwise.Option{connectwise.WithHTTPClient(&http.Client{Transport: srv.Transport()})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// WalkKeepsHeapBounded walks items (at least want of them) and fails t if
// the live heap, sampled every 10,000 items, grows by more than bound. A
// lazy walk holds one page; one that kept what it had yielded grows by
// tens of MB for 100,000 tickets.
func WalkKeepsHeapBounded[T any](t *testing.T, items iter.Seq2[T, error], want int, bound uint64) {
	t.Helper()
	// The seeded store is most of the heap; collecting less often keeps
	// the test fast. Samples force a collection, so they still measure
	// the live heap only.
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
	for _, err := range items {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%10_000 == 0 {
			peak = max(peak, live())
		}
	}
	if n < want {
		t.Fatalf("walked %d items, want at least %d", n, want)
	}
	if peak > base && peak-base > bound {
		t.Errorf("live heap grew by %d MB during the walk (bound %d MB)", (peak-base)>>20, bound>>20)
	}
	t.Logf("walked %d items; live heap grew by at most %d KB", n, (max(peak, base)-base)>>10)
}

// BenchTickets is how many tickets the iterator benchmarks read per op.
const BenchTickets = 10000

// BenchTicketServer is psabench's ticket server with BenchTickets tickets,
// closed when b ends.
func BenchTicketServer(b *testing.B) connectwise.Config {
	srv, cfg := psabench.NewTicketServer(BenchTickets)
	b.Cleanup(srv.Close)
	return cfg
}

// BenchClient is a client of cfg; opts choose the limiter path the
// benchmark measures.
func BenchClient(b *testing.B, cfg connectwise.Config, opts ...connectwise.Option) *connectwise.Client {
	b.Helper()
	c, err := connectwise.NewClient(cfg, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// RawTickets is BenchIterate's hand-written baseline: psabench's page walk
// over cfg, with a transport of its own.
func RawTickets[T any](b *testing.B, cfg connectwise.Config, id func(T) int) func() iter.Seq2[T, error] {
	hc := &http.Client{Transport: psabench.Transport()}
	return func() iter.Seq2[T, error] { return psabench.Tickets(b.Context(), hc, cfg, id) }
}

// BenchIterate reads all BenchTickets tickets through walk once per op
// and reports tickets/s, so the client's iterators and their hand-written
// baselines (RawTickets) print comparable rows.
func BenchIterate[T any](b *testing.B, walk func() iter.Seq2[T, error]) {
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range walk() {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != BenchTickets {
			b.Fatalf("read %d tickets, want %d", n, BenchTickets)
		}
	}
	b.ReportMetric(float64(BenchTickets*b.N)/b.Elapsed().Seconds(), "tickets/s")
}
