package connectwise_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// These benchmarks compare the client with what a hand-written client
// does over the same loopback server, so the ratio of each pair is the
// client's overhead; `go run ./internal/bench` prints the ratios of a whole
// run. They only run with -bench.

const benchInfo = `{"version":"v2025.1.12345","isCloud":true,"serverTimeZone":"Eastern Standard Time","cloudRegion":"NA"}`

// benchInfoServer answers every request with benchInfo at once, keeping the
// server's share of each call as small as it can be.
func benchInfoServer(b *testing.B) (*httptest.Server, connectwise.Config) {
	b.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, benchInfo)
	}))
	b.Cleanup(srv.Close)
	return srv, connectwise.Config{
		Site: srv.URL, CompanyID: "bench", PublicKey: "pubkey0123", PrivateKey: "privkey0123",
		ClientID: "00000000-0000-4000-8000-000000000000", Codebase: "v2025_1/",
	}
}

// benchTransport is the base transport the client builds for itself, so
// that the raw side reuses connections just as well.
func benchTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// benchRawHeaders sets what every PSA request needs, as a hand-written
// client would.
func benchRawHeaders(req *http.Request, cfg connectwise.Config) {
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cfg.CompanyID+"+"+cfg.PublicKey+":"+cfg.PrivateKey)))
	req.Header.Set("clientId", cfg.ClientID)
	req.Header.Set("Accept", "application/vnd.connectwise.com+json; version="+connectwise.DefaultAPIVersion)
}

// benchClient is a client of cfg; opts choose the limiter path the
// benchmark measures.
func benchClient(b *testing.B, cfg connectwise.Config, opts ...connectwise.Option) *connectwise.Client {
	b.Helper()
	c, err := connectwise.NewClient(cfg, opts...)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkGet is one GET through the full client: limiter (at a rate
// never reached, so it takes its token path), retry policy, typed decode.
func BenchmarkGet(b *testing.B) {
	_, cfg := benchInfoServer(b)
	c := benchClient(b, cfg, connectwise.WithRateLimit(1e9, 1e6))
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
	srv, cfg := benchInfoServer(b)
	hc := &http.Client{Transport: benchTransport()}
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/v2025_1/apis/3.0/system/info", nil)
		if err != nil {
			b.Fatal(err)
		}
		benchRawHeaders(req, cfg)
		resp, err := hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var info connectwise.SystemInfo
		err = json.NewDecoder(resp.Body).Decode(&info)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatal(resp.StatusCode, err)
		}
	}
}

// benchTickets is how many tickets the iterator benchmarks read per op.
const benchTickets = 10000

func benchTicketServer(b *testing.B) connectwise.Config {
	b.Helper()
	srv := cwtest.NewServer(cwtest.WithRequestLogSize(100))
	b.Cleanup(srv.Close)
	srv.AddTickets(benchTickets, func(i int, t *cwtest.Ticket) {
		t.Summary = fmt.Sprintf("High CPU on device %d", i)
		t.InitialDescription = "CPU above 95% for 10 minutes on the device; see the RMM for the process list."
		t.ExternalXRef = fmt.Sprintf("bench:dev-%06d/cpu#0123abcd", i)
	})
	cfg := srv.Config()
	cfg.Codebase = cwtest.DefaultCodebase
	return cfg
}

// BenchmarkIterate walks 10,000 tickets with Tickets.All, forward-only in
// pages of 1000.
func BenchmarkIterate(b *testing.B) {
	cfg := benchTicketServer(b)
	c := benchClient(b, cfg, connectwise.WithRateLimit(0, 1))
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range c.Tickets.All(ctx, &connectwise.ListOptions{ForwardOnly: true, PageSize: connectwise.MaxPageSize}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchTickets {
			b.Fatalf("read %d tickets, want %d", n, benchTickets)
		}
	}
	b.ReportMetric(float64(benchTickets*b.N)/b.Elapsed().Seconds(), "tickets/s")
}

// BenchmarkIterateRaw reads the same pages with net/http and
// encoding/json into the same type.
func BenchmarkIterateRaw(b *testing.B) {
	cfg := benchTicketServer(b)
	hc := &http.Client{Transport: benchTransport()}
	base := cfg.Site + "/" + cfg.Codebase + "apis/3.0/service/tickets?pageSize=1000"
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		n, pageID := 0, 0
		for {
			u := base
			if pageID > 0 {
				u += "&pageId=" + strconv.Itoa(pageID)
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				b.Fatal(err)
			}
			benchRawHeaders(req, cfg)
			req.Header.Set("Pagination-Type", "forward-only")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var page []connectwise.Ticket
			err = json.NewDecoder(resp.Body).Decode(&page)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			n += len(page)
			if len(page) == 0 || !strings.Contains(resp.Header.Get("Link"), `rel="next"`) {
				break
			}
			pageID = page[len(page)-1].ID
		}
		if n != benchTickets {
			b.Fatalf("read %d tickets, want %d", n, benchTickets)
		}
	}
	b.ReportMetric(float64(benchTickets*b.N)/b.Elapsed().Seconds(), "tickets/s")
}
