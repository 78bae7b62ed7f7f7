package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/internal/bench/psabench"
)

// infoBody is a realistic /system/info answer.
const infoBody = `{"version":"v2025.1.12345","isCloud":true,"serverTimeZone":"Eastern Standard Time","cloudRegion":"NA"}`

// newInfoServer answers every request with infoBody at once, so that the
// server's own cost is as small as possible next to the client's.
func newInfoServer() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, infoBody)
	}))
}

func benchConfig(site string) connectwise.Config {
	return connectwise.Config{
		Site: site, CompanyID: "bench", PublicKey: "pubkey0123", PrivateKey: "privkey0123",
		ClientID: "00000000-0000-4000-8000-000000000000", Codebase: "v2025_1/",
	}
}

// inMemory answers every request with infoBody without a socket: the
// difference between two callers over it is their own CPU cost alone.
type inMemory struct{}

func (inMemory) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Body:    io.NopCloser(strings.NewReader(infoBody)),
		Request: r, ContentLength: int64(len(infoBody)),
	}, nil
}

// pairs times batches of a and b alternately; see runOverhead.
type pairs struct {
	ratios        []float64 // a/b per pair, sorted
	best          [2]time.Duration
	allocs, bytes [2]uint64 // per call
}

func (p pairs) median() float64 { return p.ratios[len(p.ratios)/2] }

func measurePairs(rounds, batch int, calls [2]func() error) (pairs, error) {
	var out pairs
	var allocs, bytes [2]uint64
	for round := range rounds {
		var took [2]time.Duration
		for k := range 2 {
			i := (round + k) % 2
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			start := time.Now()
			for range batch {
				if err := calls[i](); err != nil {
					return out, err
				}
			}
			took[i] = time.Since(start) / time.Duration(batch)
			runtime.ReadMemStats(&m1)
			allocs[i] += m1.Mallocs - m0.Mallocs
			bytes[i] += m1.TotalAlloc - m0.TotalAlloc
			if out.best[i] == 0 || took[i] < out.best[i] {
				out.best[i] = took[i]
			}
		}
		out.ratios = append(out.ratios, float64(took[0])/float64(took[1]))
	}
	slices.Sort(out.ratios)
	n := uint64(rounds * batch)
	for i := range 2 {
		out.allocs[i], out.bytes[i] = allocs[i]/n, bytes[i]/n
	}
	return out, nil
}

// callers returns a GET of /system/info through the full client and the
// same GET with net/http and encoding/json, both over base.
func callers(ctx context.Context, cfg connectwise.Config, base http.RoundTripper) ([2]func() error, error) {
	// A finite but unreachable rate, so every call takes the limiter's
	// token path as it does in production.
	c, err := connectwise.NewClient(cfg, connectwise.WithRateLimit(1e9, 1e6), connectwise.WithHTTPClient(&http.Client{Transport: base}))
	if err != nil {
		return [2]func() error{}, err
	}
	hc := &http.Client{Transport: base}
	req, err := psabench.NewRequest(ctx, cfg, "system/info")
	if err != nil {
		return [2]func() error{}, err
	}
	client := func() error {
		_, _, err := c.System.Info(ctx)
		return err
	}
	raw := func() error {
		var info connectwise.SystemInfo
		_, err := psabench.Decode(hc, req.Clone(ctx), &info)
		return err
	}
	return [2]func() error{client, raw}, nil
}

func runOverhead(ctx context.Context, p params) []row {
	srv := newInfoServer()
	defer srv.Close()
	logf(p, "scenario 5: per-call overhead")
	// Short batches of each, alternating, many times: the load of a shared
	// machine drifts over seconds, so each pair of batches sees about the
	// same load, and the median of the pairs' ratios is the client's
	// overhead. Allocations count the in-process server's too (the same
	// for both).
	const batch = 500
	rounds := max(2, p.overheadRounds)
	loop, err := callers(ctx, benchConfig(srv.URL), psabench.Transport())
	if err != nil {
		return []row{failed("5", "per-call overhead", err)}
	}
	lp, err := measurePairs(rounds, batch, loop)
	if err != nil {
		return []row{failed("5", "per-call overhead", err)}
	}
	mem, err := callers(ctx, benchConfig("http://127.0.0.1:1"), inMemory{})
	if err != nil {
		return []row{failed("5", "per-call overhead", err)}
	}
	mp, err := measurePairs(rounds, batch*4, mem)
	if err != nil {
		return []row{failed("5", "per-call overhead", err)}
	}
	med := lp.median()
	return []row{
		{
			ID: "5a", Name: "per-call overhead, GET over loopback: time",
			Figure: fmt.Sprintf("%d ns/op", lp.best[0].Nanoseconds()), Bound: fmt.Sprintf("raw %d ns/op", lp.best[1].Nanoseconds()),
			Ratio: fmt.Sprintf("%.3f×", med), Target: "≤ 1.15×",
			Verdict: verdict(med <= 1.15),
			Note: fmt.Sprintf("median of %d alternating pairs of %d-call batches (pairs ranged %.2f–%.2f×), fastest batch of each shown; without a socket (in-memory transport) the client costs %.1f µs per call against raw's %.1f µs",
				rounds, batch, lp.ratios[0], lp.ratios[len(lp.ratios)-1], float64(mp.best[0])/1e3, float64(mp.best[1])/1e3),
		},
		{
			ID: "5b", Name: "per-call overhead, GET: allocs",
			Figure: fmt.Sprintf("%d allocs/op, %d B/op", mp.allocs[0], mp.bytes[0]),
			Bound:  fmt.Sprintf("raw %d allocs/op, %d B/op", mp.allocs[1], mp.bytes[1]),
			Ratio:  fmt.Sprintf("+%d allocs", int64(mp.allocs[0])-int64(mp.allocs[1])), Target: "report", Verdict: "info",
			Note: fmt.Sprintf("in-memory transport, so the client's alone; over loopback (server's included) %d vs %d allocs/op; go test -bench Get ./connectwise/ gives the loopback pair",
				lp.allocs[0], lp.allocs[1]),
		},
	}
}
