package connectwise_test

import (
	"io"
	"iter"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/internal/cwtestkit"
	"github.com/psabridge/psabridge/internal/bench/psabench"
)

// These benchmarks compare the client with what a hand-written client
// does over the same loopback server, so the ratio of each pair is the
// client's overhead; `go run ./internal/bench` prints the ratios of a whole
// run. They only run with -bench.

const benchInfo = `{"version":"v2025.1.12345","isCloud":true,"serverTimeZone":"Eastern Standard Time","cloudRegion":"NA"}`

// benchInfoServer answers every request with benchInfo at once, keeping the
// server's share of each call as small as it can be.
func benchInfoServer(b *testing.B) connectwise.Config {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, benchInfo)
	}))
	b.Cleanup(srv.Close)
	return connectwise.Config{
		Site: srv.URL, CompanyID: "bench", PublicKey: "pubkey0123", PrivateKey: "privkey0123",
		ClientID: "00000000-0000-4000-8000-000000000000", Codebase: "v2025_1/",
	}
}

// BenchmarkGet is one GET through the full client: limiter (at a rate
// never reached, so it takes its token path), retry policy, typed decode.
func BenchmarkGet(b *testing.B) {
	cfg := benchInfoServer(b)
	c := cwtestkit.BenchClient(b, cfg, connectwise.WithRateLimit(1e9, 1e6))
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.System.Info(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetRaw is the same GET with net/http and encoding/json.
func BenchmarkGetRaw(b *testing.B) {
	cfg := benchInfoServer(b)
	hc := &http.Client{Transport: psabench.Transport()}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		req, err := psabench.NewRequest(ctx, cfg, "system/info")
		if err != nil {
			b.Fatal(err)
		}
		var info connectwise.SystemInfo
		if _, err := psabench.Decode(hc, req, &info); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIterate walks 10,000 tickets with Tickets.All, forward-only in
// pages of 1000.
func BenchmarkIterate(b *testing.B) {
	c := cwtestkit.BenchClient(b, cwtestkit.BenchTicketServer(b), connectwise.WithRateLimit(0, 1))
	cwtestkit.BenchIterate(b, func() iter.Seq2[connectwise.Ticket, error] {
		return c.Tickets.All(b.Context(), &connectwise.ListOptions{ForwardOnly: true, PageSize: connectwise.MaxPageSize})
	})
}

// BenchmarkIterateRaw reads the same pages with net/http and
// encoding/json into the same type.
func BenchmarkIterateRaw(b *testing.B) {
	cwtestkit.BenchIterate(b, cwtestkit.RawTickets(b, cwtestkit.BenchTicketServer(b), func(t connectwise.Ticket) int { return t.ID }))
}
