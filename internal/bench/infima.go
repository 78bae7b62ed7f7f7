package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/infimasync"
)

// window is how often the seed says the Security 360 sync runs.
const window = 15 * time.Minute

// runInfima measures what an INFIMA → Security 360 initial sync must do
// with the infima client: walk every client, then each client's users,
// and build its report, under INFIMA's page limit (50) and the client's
// default rate.
func runInfima(ctx context.Context, p params) []row {
	srv := infimatest.NewServer(infimatest.WithClients(p.infimaClients, p.infimaUsers), infimatest.WithLatency(p.latency))
	defer srv.Close()
	// The simulator's options turn rate limiting off and shorten backoff;
	// the production values go after them, so they win.
	opts := append(srv.ClientOptions(),
		infima.WithRateLimit(p.infimaRate, 5),
		infima.WithRetry(4, 500*time.Millisecond, 30*time.Second))
	c, err := infima.NewClient(srv.APIKey(), opts...)
	if err != nil {
		return []row{failed("6", "INFIMA initial sync", err)}
	}
	logf(p, "scenario 6: INFIMA initial sync of %d clients × %d users at %g req/s", p.infimaClients, p.infimaUsers, p.infimaRate)
	start := time.Now()
	clients, withData := 0, 0
	for company, err := range c.Clients.All(ctx, nil) {
		if err != nil {
			return []row{failed("6", "INFIMA initial sync", err)}
		}
		users, err := connectwise.Collect(c.Users.All(ctx, company.ID, &infima.UserListOptions{Status: infima.StatusAll}))
		if err != nil {
			return []row{failed("6", "INFIMA initial sync", err)}
		}
		rep := infimasync.BuildClientReport(company, users)
		clients++
		if rep.HasData() {
			withData++
		}
	}
	wall := time.Since(start)
	calls := srv.CountRequests("", "")
	pages := func(n int) int { return int(math.Ceil(float64(n) / infima.MaxLimit)) }
	minCalls := pages(p.infimaClients) + p.infimaClients*pages(p.infimaUsers)
	_, cs := ratio(float64(calls), float64(minCalls))
	// The client may spend its burst of 5 at once; the rest is paced.
	bound := time.Duration(float64(max(0, minCalls-5)) / p.infimaRate * float64(time.Second))
	r, ws := ratio(wall.Seconds(), bound.Seconds())
	perWindow := int(window.Seconds()*p.infimaRate) / (1 + pages(p.infimaUsers))
	return []row{
		{
			ID: "6a", Name: fmt.Sprintf("INFIMA initial sync %d×%d: calls", p.infimaClients, p.infimaUsers),
			Figure: fmt.Sprint(calls), Bound: fmt.Sprintf("min %d (pages of 50)", minCalls), Ratio: cs, Target: "≤ 1×",
			Verdict: verdict(calls <= minCalls && clients == p.infimaClients && srv.MaxLimitSeen() <= infima.MaxLimit),
			Note:    fmt.Sprintf("%d clients reported (%d with data), largest page asked %d, %d 429s", clients, withData, srv.MaxLimitSeen(), srv.Throttled()),
		},
		{
			ID: "6b", Name: "INFIMA initial sync: wall",
			Figure: secs(wall), Bound: fmt.Sprintf("(calls-burst)/%g/s = %s", p.infimaRate, secs(bound)), Ratio: ws, Target: "≤ 1.10×",
			Verdict: verdict(r <= 1.10),
		},
		{
			ID: "6c", Name: "INFIMA initial sync vs the 15-min window",
			Figure: secs(wall), Bound: "15 min", Ratio: fmt.Sprintf("%.1f%%", 100*wall.Seconds()/window.Seconds()), Target: "< 100%",
			Verdict: verdict(wall < window),
			Note:    fmt.Sprintf("at %g req/s one window fits about %d clients of ≤%d users", p.infimaRate, perWindow, infima.MaxLimit*pages(p.infimaUsers)),
		},
	}
}
