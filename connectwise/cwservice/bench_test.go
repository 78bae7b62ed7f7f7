package cwservice_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
	"github.com/psabridge/psabridge/connectwise/cwservice"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// These compare the generated Tickets.All (full cwmodel.Ticket, pointer
// fields) with net/http and encoding/json decoding the same pages into the
// same type, over the simulator on loopback: their ratio is the overhead
// of the generated path, as connectwise's BenchmarkIterate is for the
// hand-written one. They only run with -bench.

const benchTickets = 10000

func benchServer(b *testing.B) connectwise.Config {
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

func BenchmarkIterateGenerated(b *testing.B) {
	cfg := benchServer(b)
	c, err := connectwise.NewClient(cfg, connectwise.WithRateLimit(0, 1))
	if err != nil {
		b.Fatal(err)
	}
	svc := cwservice.New(c)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for _, err := range svc.Tickets.All(ctx, &connectwise.ListOptions{ForwardOnly: true, PageSize: connectwise.MaxPageSize}) {
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

func BenchmarkIterateGeneratedRaw(b *testing.B) {
	cfg := benchServer(b)
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: t}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(cfg.CompanyID+"+"+cfg.PublicKey+":"+cfg.PrivateKey))
	base := cfg.Site + "/" + cfg.Codebase + "apis/3.0/service/tickets?pageSize=1000"
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		n, last := 0, 0
		for {
			u := base
			if last > 0 {
				u += "&pageId=" + strconv.Itoa(last)
			}
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			req.Header.Set("Authorization", auth)
			req.Header.Set("clientId", cfg.ClientID)
			req.Header.Set("Accept", "application/vnd.connectwise.com+json; version="+connectwise.DefaultAPIVersion)
			req.Header.Set("Pagination-Type", "forward-only")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var page []cwmodel.Ticket
			err = json.NewDecoder(resp.Body).Decode(&page)
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err != nil {
				b.Fatal(err)
			}
			n += len(page)
			if len(page) < 1000 {
				break
			}
			last = int(*page[len(page)-1].ID)
		}
		if n != benchTickets {
			b.Fatalf("read %d tickets, want %d", n, benchTickets)
		}
	}
	b.ReportMetric(float64(benchTickets*b.N)/b.Elapsed().Seconds(), "tickets/s")
}
