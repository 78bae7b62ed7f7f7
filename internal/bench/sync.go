package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// psa is a rate-limited, latency-adding PSA simulator with a client
// configured for its rate, as a user who knows their PSA's limit would.
type psa struct {
	srv     *cwtest.Server
	client  *connectwise.Client
	board   connectwise.Ref
	status  connectwise.Ref
	update  connectwise.Ref
	company connectwise.Ref
}

// newPSA starts a simulator enforcing rate/burst with latency, and a
// client at the same rate. The client's burst is 1: it paces evenly, so
// the server's burst is left as slack for jitter rather than spent at the
// start.
func newPSA(ctx context.Context, rate float64, burst int, latency time.Duration, logSize int) (*psa, error) {
	srv := cwtest.NewServer(cwtest.WithRateLimit(rate, burst), cwtest.WithLatency(latency), cwtest.WithRequestLogSize(logSize))
	c, err := connectwise.NewClient(srv.Config(), connectwise.WithRateLimit(rate, 1))
	if err != nil {
		srv.Close()
		return nil, err
	}
	f := &psa{srv: srv, client: c}
	b, ok := srv.BoardByName("Service Desk")
	if !ok {
		srv.Close()
		return nil, fmt.Errorf("simulator seed has no Service Desk board")
	}
	f.board = connectwise.Ref{ID: b.ID}
	for _, st := range srv.Statuses(b.ID) {
		switch st.Name {
		case "New":
			f.status = connectwise.Ref{ID: st.ID}
		case "In Progress":
			f.update = connectwise.Ref{ID: st.ID}
		}
	}
	co, ok := srv.CompanyByIdentifier("AcmeCorp")
	if !ok || f.status.ID == 0 {
		srv.Close()
		return nil, fmt.Errorf("simulator seed lacks AcmeCorp or the New status")
	}
	f.company = connectwise.Ref{ID: co.ID}
	// Discover the codebase and open a connection before anything is
	// timed, then forget those calls.
	if _, _, err := c.System.Info(ctx); err != nil {
		srv.Close()
		return nil, err
	}
	time.Sleep(time.Duration(float64(burst) / rate * float64(time.Second)))
	srv.ResetRequests()
	return f, nil
}

func (f *psa) alert(i int, summary string) ticketsync.Alert {
	return ticketsync.Alert{
		Key:          fmt.Sprintf("dev-%06d/cpu", i),
		Company:      f.company,
		Board:        f.board,
		Status:       f.status,
		UpdateStatus: f.update,
		Summary:      fmt.Sprintf("%s on device %d", summary, i),
		Description:  "CPU above 95% for 10 minutes",
		Start:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Second),
	}
}

// reqStats summarises the simulator's request log since start.
type reqStats struct {
	total, throttled, throttledLate int
	// firstCreate and lastCreate bracket the creates (POST .../tickets).
	firstCreate, lastCreate time.Time
	// lookups are key lookups (GET with key conditions, or POST
	// .../search when the conditions outgrow a URL); listings are the
	// listings of open tickets; statuses are reads of a board's statuses.
	lookups, listings, statuses int
}

func stats(srv *cwtest.Server, start time.Time) reqStats {
	var s reqStats
	for _, r := range srv.Requests() {
		s.total++
		if r.Status == http.StatusTooManyRequests {
			s.throttled++
			if r.Time.Sub(start) > time.Second {
				s.throttledLate++
			}
			continue
		}
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/service/tickets"):
			if s.firstCreate.IsZero() {
				s.firstCreate = r.Time
			}
			s.lastCreate = r.Time
		case strings.HasSuffix(r.Path, "/service/tickets/search"):
			s.lookups++
		case r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/service/tickets"):
			// Only the listing of open tickets filters on closedFlag
			// (every query of ticketsync asks for the field).
			q, _ := url.ParseQuery(r.RawQuery)
			if strings.Contains(q.Get("conditions"), "closedFlag") {
				s.listings++
			} else {
				s.lookups++
			}
		case strings.HasSuffix(r.Path, "/statuses"):
			s.statuses++
		}
	}
	return s
}

func runSync(ctx context.Context, p params, want func(int) bool) []row {
	var rows []row
	f, err := newPSA(ctx, p.rate, p.burst, p.latency, 4*p.n+10000)
	if err != nil {
		return []row{failed("1", "first sync", err)}
	}
	defer f.srv.Close()
	s, err := ticketsync.New(f.client, ticketsync.Policy{Source: "bench", AutoClose: true})
	if err != nil {
		return []row{failed("1", "first sync", err)}
	}
	alerts := make([]ticketsync.Alert, p.n)
	for i := range alerts {
		alerts[i] = f.alert(i, "High CPU")
	}

	// 1. First sync.
	logf(p, "scenario 1: first sync of %d alerts at %g req/s, %s latency", p.n, p.rate, p.latency)
	start := time.Now()
	rep, err := s.Sync(ctx, alerts)
	first := time.Since(start)
	if err != nil || rep.Created != p.n {
		return []row{failed("1a", "first sync", fmt.Errorf("sync: %v (report: %v)", err, rep))}
	}
	st := stats(f.srv, start)
	bound := time.Duration(float64(p.n) / p.rate * float64(time.Second))
	r, rs := ratio(first.Seconds(), bound.Seconds())
	rows = append(rows, row{
		ID: "1a", Name: fmt.Sprintf("first sync, %d alerts: wall", p.n),
		Figure: secs(first), Bound: "N/R = " + secs(bound), Ratio: rs, Target: "≤ 1.10×",
		Verdict: verdict(r <= 1.10),
		Note: fmt.Sprintf("%d calls (%d creates, %d lookups, %d listings); lookup phase %s, creates %s, verification tail %s",
			st.total, rep.Created, st.lookups, st.listings,
			secs(st.firstCreate.Sub(start)), secs(st.lastCreate.Sub(st.firstCreate)), secs(start.Add(first).Sub(st.lastCreate))),
	})
	rows = append(rows, row{
		ID: "1b", Name: "first sync: 429s after the first second",
		Figure: fmt.Sprint(st.throttledLate), Bound: fmt.Sprintf("%d in all", st.throttled), Ratio: "-", Target: "0",
		Verdict: verdict(st.throttledLate == 0),
	})

	// 1c. The same sync done naively, on a fresh simulator of the same
	// shape: look the key up, then create, one alert at a time.
	if want(1) {
		rows = append(rows, naive(ctx, p, first))
	}

	// 2. Re-sync with nothing changed.
	if want(2) {
		rows = append(rows, resync(ctx, p, f, s, alerts, first)...)
	}

	// 3. Churn: 5% new, 5% gone, 5% changed.
	if want(3) {
		rows = append(rows, churn(ctx, p, f, s, alerts)...)
	}
	if !want(1) {
		rows = dropScenario(rows, "1")
	}
	return rows
}

func resync(ctx context.Context, p params, f *psa, s *ticketsync.Syncer, alerts []ticketsync.Alert, first time.Duration) []row {
	var rows []row
	f.srv.ResetRequests()
	logf(p, "scenario 2: re-sync, nothing changed")
	start := time.Now()
	rep, err := s.Sync(ctx, alerts)
	resync := time.Since(start)
	if err != nil || rep.Unchanged != p.n {
		rows = append(rows, failed("2a", "re-sync", fmt.Errorf("sync: %v (report: %v)", err, rep)))
	} else {
		calls := f.srv.CountRequests("", "")
		callBound := int(math.Ceil(float64(p.n)/connectwise.MaxPageSize)) + 1
		_, cs := ratio(float64(calls), float64(callBound))
		rows = append(rows, row{
			ID: "2a", Name: "re-sync, nothing changed: calls",
			Figure: fmt.Sprint(calls), Bound: fmt.Sprintf("⌈open/1000⌉+1 = %d", callBound), Ratio: cs, Target: "≤ 1×",
			Verdict: verdict(calls <= callBound),
		})
		r, rs := ratio(first.Seconds(), resync.Seconds())
		rows = append(rows, row{
			ID: "2b", Name: "re-sync: wall, first sync ÷ re-sync",
			Figure: secs(resync), Bound: "first sync " + secs(first), Ratio: rs, Target: "≥ 50×",
			Verdict: verdict(r >= 50),
		})
	}
	return rows
}

// dropScenario drops the rows of a scenario that was not asked for (the
// first sync still has to run for the others).
func dropScenario(rows []row, prefix string) []row {
	out := rows[:0]
	for _, r := range rows {
		if !strings.HasPrefix(r.ID, prefix) {
			out = append(out, r)
		}
	}
	return out
}

func churn(ctx context.Context, p params, f *psa, s *ticketsync.Syncer, alerts []ticketsync.Alert) []row {
	k := p.n / 20
	next := append([]ticketsync.Alert(nil), alerts[k:]...) // the first 5% are gone
	for i := range k {                                     // the next 5% changed
		next[i] = f.alert(k+i, "CPU still high")
	}
	for i := range k { // 5% new
		next = append(next, f.alert(p.n+i, "High CPU"))
	}
	f.srv.ResetRequests()
	logf(p, "scenario 3: churn of %d new, %d gone, %d changed", k, k, k)
	start := time.Now()
	rep, err := s.Sync(ctx, next)
	wall := time.Since(start)
	if err != nil || rep.Created != k || rep.Closed != k || rep.Updated != k {
		return []row{failed("3", "churn", fmt.Errorf("sync: %v (report: %v)", err, rep))}
	}
	calls := f.srv.CountRequests("", "")
	listing := int(math.Ceil(float64(p.n) / connectwise.MaxPageSize))
	minCalls := 3*k + listing
	r, rs := ratio(float64(calls), float64(minCalls))
	st := stats(f.srv, start)
	boundWall := time.Duration(float64(minCalls) / p.rate * float64(time.Second))
	_, rws := ratio(wall.Seconds(), boundWall.Seconds())
	return []row{
		{
			ID: "3a", Name: fmt.Sprintf("churn %d new/%d gone/%d changed: calls", k, k, k),
			Figure: fmt.Sprint(calls), Bound: fmt.Sprintf("min %d (writes+listing)", minCalls), Ratio: rs, Target: "≤ 1.10× (ours)",
			Verdict: verdict(r <= 1.10),
			Note: fmt.Sprintf("%d writes, %d listing pages (before and after creating), %d key lookups, %d reads of the board's statuses, %d 429s",
				st.total-st.listings-st.lookups-st.statuses-st.throttled, st.listings, st.lookups, st.statuses, st.throttled),
		},
		{
			ID: "3b", Name: "churn: wall",
			Figure: secs(wall), Bound: "min calls/R = " + secs(boundWall), Ratio: rws, Target: "report", Verdict: "info",
		},
	}
}

// naive runs what bridge scripts do, one alert at a time: look the key
// up, then create. It is sequential, so its time grows linearly with the
// number of alerts; a sample is timed and extrapolated to -n.
func naive(ctx context.Context, p params, syncWall time.Duration) row {
	n := p.naiveSample
	if n <= 0 || n > p.n {
		n = p.n
	}
	f, err := newPSA(ctx, p.rate, p.burst, p.latency, 4*n+1000)
	if err != nil {
		return failed("1c", "naive sync", err)
	}
	defer f.srv.Close()
	logf(p, "scenario 1c: naive sequential sync of %d alerts", n)
	start := time.Now()
	for i := range n {
		a := f.alert(i, "High CPU")
		xref := "naive:" + a.Key
		found, _, err := f.client.Tickets.List(ctx, &connectwise.ListOptions{
			Conditions: connectwise.Where("externalXRef = ? and closedFlag = ?", xref, false), PageSize: 1,
		})
		if err != nil {
			return failed("1c", "naive sync", err)
		}
		if len(found) > 0 {
			continue
		}
		if _, _, err := f.client.Tickets.Create(ctx, &connectwise.Ticket{
			Summary: a.Summary, Board: a.Board, Status: a.Status, Company: a.Company,
			InitialDescription: a.Description, ExternalXRef: xref,
		}); err != nil {
			return failed("1c", "naive sync", err)
		}
	}
	wall := time.Since(start)
	est := time.Duration(float64(wall) / float64(n) * float64(p.n))
	r, rs := ratio(est.Seconds(), syncWall.Seconds())
	note := fmt.Sprintf("naive: %d alerts took %s (%.0f ms each: two round trips of %s latency)", n, secs(wall), float64(wall.Milliseconds())/float64(n), p.latency)
	if n < p.n {
		note += fmt.Sprintf("; extrapolated ×%d to %d alerts (-naive-sample 0 runs all)", p.n/n, p.n)
	}
	return row{
		ID: "1c", Name: "first sync vs naive sequential: speed-up",
		Figure: "sync " + secs(syncWall), Bound: "naive " + secs(est), Ratio: rs, Target: "≥ 5×",
		Verdict: verdict(r >= 5), Note: note,
	}
}
