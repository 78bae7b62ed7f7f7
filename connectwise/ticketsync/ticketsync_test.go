package ticketsync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

type fixture struct {
	srv     *cwtest.Server
	client  *connectwise.Client
	board   cwtest.Board
	newSt   cwtest.BoardStatus
	updSt   cwtest.BoardStatus
	company cwtest.Company
}

func newFixture(t *testing.T, opts ...cwtest.Option) *fixture {
	t.Helper()
	srv := cwtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, client: flowtest.PSAClient(t, srv)}
	var ok bool
	if f.board, ok = srv.BoardByName("Service Desk"); !ok {
		t.Fatal("seed has no Service Desk board")
	}
	for _, st := range srv.Statuses(f.board.ID) {
		switch st.Name {
		case "New":
			f.newSt = st
		case "In Progress":
			f.updSt = st
		}
	}
	if f.newSt.ID == 0 || f.updSt.ID == 0 {
		t.Fatalf("seed statuses: %+v", srv.Statuses(f.board.ID))
	}
	for _, c := range srv.Companies() {
		if !c.DeletedFlag {
			f.company = c
			break
		}
	}
	return f
}

func (f *fixture) alerts(n int, summary string) []ticketsync.Alert {
	out := make([]ticketsync.Alert, n)
	for i := range out {
		out[i] = ticketsync.Alert{
			Key:          fmt.Sprintf("dev-%03d/cpu", i),
			Company:      connectwise.Ref{ID: f.company.ID},
			Board:        connectwise.Ref{ID: f.board.ID},
			Status:       connectwise.Ref{ID: f.newSt.ID},
			UpdateStatus: connectwise.Ref{ID: f.updSt.ID},
			Summary:      fmt.Sprintf("%s on device %d", summary, i),
			Description:  "details",
			Start:        time.Date(2026, 11, 20, 10, 0, i, 0, time.UTC),
		}
	}
	return out
}

func (f *fixture) syncer(t *testing.T, p ticketsync.Policy) *ticketsync.Syncer {
	t.Helper()
	s, err := ticketsync.New(f.client, p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sourceTickets returns the simulator's tickets of a source by key.
func (f *fixture) sourceTickets(source string) map[string][]cwtest.Ticket {
	return flowtest.Tickets(f.srv, source)
}

// syncAll syncs alerts, each new, with a Syncer of policy p and asserts that every one got exactly
// one ticket.
func (f *fixture) syncAll(t *testing.T, p ticketsync.Policy, alerts []ticketsync.Alert) {
	t.Helper()
	rep, err := f.syncer(t, p).Sync(context.Background(), alerts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != len(alerts) || len(rep.Failed) != 0 {
		t.Fatalf("report %s failed %v", rep, rep.Failed)
	}
	f.checkOnePerKey(t, p.Source, alerts)
}

// checkOnePerKey asserts exactly one ticket per key, open unless closed is set.
func (f *fixture) checkOnePerKey(t *testing.T, source string, alerts []ticketsync.Alert) {
	t.Helper()
	got := f.sourceTickets(source)
	for _, a := range alerts {
		ts := got[a.Key]
		if len(ts) != 1 {
			t.Errorf("key %s has %d tickets, want exactly 1", a.Key, len(ts))
			continue
		}
		if ts[0].ClosedFlag {
			t.Errorf("key %s: ticket %d is closed", a.Key, ts[0].ID)
		}
	}
	if len(got) != len(alerts) {
		t.Errorf("%d keys have tickets, want %d", len(got), len(alerts))
	}
}

func TestFirstSyncThenNothingChanged(t *testing.T) {
	f := newFixture(t)
	s := f.syncer(t, ticketsync.Policy{Source: "test"})
	alerts := f.alerts(30, "CPU high")
	ctx := context.Background()
	var progress int
	rep, err := s.Sync(ctx, alerts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 30 || len(rep.Failed) != 0 {
		t.Fatalf("first sync: %s %v", rep, rep.Failed)
	}
	f.checkOnePerKey(t, "test", alerts)
	tk := f.sourceTickets("test")["dev-007/cpu"][0]
	if tk.Summary != "CPU high on device 7" || tk.Status.ID != f.newSt.ID || tk.Company.ID != f.company.ID ||
		tk.RecordType != "ServiceTicket" || tk.InitialDescription != "details" || tk.EstimatedStartDate == nil {
		t.Errorf("ticket fields: %+v", tk)
	}

	f.srv.ResetRequests()
	s2 := f.syncer(t, ticketsync.Policy{Source: "test", Progress: func(ticketsync.Progress) { progress++ }})
	rep, err = s2.Sync(ctx, alerts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unchanged != 30 || rep.Created+rep.Updated+rep.Closed != 0 {
		t.Fatalf("re-sync: %s", rep)
	}
	// Nothing changed: the one listing call and not one more.
	if rep.Calls != 1 || len(f.srv.Requests()) != 1 || progress != 0 {
		t.Fatalf("re-sync made %d calls (server saw %d), progress %d", rep.Calls, len(f.srv.Requests()), progress)
	}
}

func TestUpdateCloseAndReopen(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.syncer(t, ticketsync.Policy{Source: "ops", AutoClose: true})
	alerts := f.alerts(5, "Disk 91%")
	if _, err := s.Sync(ctx, alerts); err != nil {
		t.Fatal(err)
	}
	// Alert 0 changes, alert 4 vanishes.
	changed := append([]ticketsync.Alert(nil), alerts[:4]...)
	changed[0].Summary = "Disk 97% on device 0"
	rep, err := s.Sync(ctx, changed)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Updated != 1 || rep.Closed != 1 || rep.Unchanged != 3 {
		t.Fatalf("report: %s", rep)
	}
	got := f.sourceTickets("ops")
	if tk := got["dev-000/cpu"][0]; tk.Summary != "Disk 97% on device 0" || tk.Status.ID != f.updSt.ID {
		t.Errorf("updated ticket: summary %q status %+v", tk.Summary, tk.Status)
	}
	if tk := got["dev-004/cpu"][0]; !tk.ClosedFlag || tk.Status.Name != "Closed" {
		t.Errorf("vanished alert's ticket not closed: %+v", tk.Status)
	}
	// It comes back: the same ticket reopens, in the status on creation.
	rep, err = s.Sync(ctx, alerts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Reopened != 1 || rep.Created != 0 {
		t.Fatalf("report: %s", rep)
	}
	f.checkOnePerKey(t, "ops", alerts)
	if tk := f.sourceTickets("ops")["dev-004/cpu"][0]; tk.Status.ID != f.newSt.ID {
		t.Errorf("reopened status = %+v", tk.Status)
	}
}

func TestNoAutoCloseLeavesTicketsOpen(t *testing.T) {
	f := newFixture(t)
	s := f.syncer(t, ticketsync.Policy{Source: "cyber"})
	alerts := f.alerts(3, "Ransomware")
	if _, err := s.Sync(context.Background(), alerts); err != nil {
		t.Fatal(err)
	}
	rep, err := s.Sync(context.Background(), nil)
	if err != nil || rep.Closed != 0 {
		t.Fatalf("rep %s err %v", rep, err)
	}
	f.checkOnePerKey(t, "cyber", alerts)
}

// A create whose answer never arrives (the connection dropped after the
// write) or arrives cut off (a 201 whose body is truncated, issue 14 item
// 9) happened on the PSA, but its id was never seen. The client reports it
// as outcome-unknown, so the create path looks the key up and adopts the
// ticket instead of creating it again.
func TestUnseenCreateMakesExactlyOneTicket(t *testing.T) {
	truncated := cwtest.TruncatedSuccess(3)
	truncated.Method, truncated.PathContains = "POST", "/service/tickets"
	for _, tc := range []struct {
		source string
		fault  cwtest.Fault
	}{
		{"drop", cwtest.Fault{Method: "POST", PathContains: "/service/tickets", DropAfterWrite: true, Times: 3}},
		{"cut", truncated},
	} {
		t.Run(tc.source, func(t *testing.T) {
			f := newFixture(t)
			f.srv.InjectFault(tc.fault)
			alerts := f.alerts(5, "Disk failing")
			f.syncAll(t, ticketsync.Policy{Source: tc.source, Concurrency: 1}, alerts)
			if n := f.srv.CountRequests("POST", "/service/tickets"); n != 5 {
				t.Errorf("POSTs = %d, want 5 (a create whose answer was not seen is looked up, not re-sent)", n)
			}
		})
	}
}

func TestRateLimitStormAllLand(t *testing.T) {
	f := newFixture(t)
	// 30 consecutive 429s: more than the 8-retry failure budget, within
	// the separate throttle budget (32).
	f.srv.InjectFault(cwtest.Fault{Status: 429, RetryAfter: "0", Times: 30})
	f.srv.InjectFault(cwtest.Fault{Status: 503, Method: "GET", Times: 3})
	f.syncAll(t, ticketsync.Policy{Source: "storm"}, f.alerts(25, "AV alert"))
}

func TestParallelSyncsNeverDuplicate(t *testing.T) {
	for _, lock := range []bool{true, false} {
		t.Run(fmt.Sprintf("processLock=%v", lock), func(t *testing.T) {
			f := newFixture(t)
			alerts := f.alerts(20, "Memory high")
			var wg sync.WaitGroup
			errs := make([]error, 3)
			for i := range errs {
				// Separate clients, as separate processes would have.
				newSyncer := ticketsync.New
				if !lock {
					newSyncer = ticketsync.NewUnlocked
				}
				s, err := newSyncer(flowtest.PSAClient(t, f.srv), ticketsync.Policy{Source: "race", AutoClose: true})
				if err != nil {
					t.Fatal(err)
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = s.Sync(context.Background(), alerts)
				}()
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			f.checkOnePerKey(t, "race", alerts)
		})
	}
}

func TestCrashMidSyncThenResume(t *testing.T) {
	f := newFixture(t, cwtest.WithLatency(2*time.Millisecond))
	alerts := f.alerts(40, "DNS poisoning")
	ctx, cancel := context.WithCancel(context.Background())
	s := f.syncer(t, ticketsync.Policy{Source: "crash", Concurrency: 2, Progress: func(p ticketsync.Progress) {
		if p.Done == 10 {
			cancel()
		}
	}})
	_, err := s.Sync(ctx, alerts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := len(f.sourceTickets("crash")); n == 0 || n == 40 {
		t.Fatalf("%d tickets after the crash; the test wants a partial sync", n)
	}
	rep, err := f.syncer(t, ticketsync.Policy{Source: "crash"}).Sync(context.Background(), alerts)
	if err != nil {
		t.Fatal(err)
	}
	f.checkOnePerKey(t, "crash", alerts)
	if rep.Created+rep.Unchanged != 40 {
		t.Fatalf("resume: %s", rep)
	}
}

func TestInvalidAlertsWriteNothing(t *testing.T) {
	f := newFixture(t)
	good := f.alerts(1, "ok")
	bad := f.alerts(4, "bad")
	bad[0].Key = ""
	bad[1].Company = connectwise.Ref{}
	bad[2].Summary = " "
	bad[3].Key = good[0].Key // duplicate of the good one
	rep, err := f.syncer(t, ticketsync.Policy{Source: "val"}).Sync(context.Background(), append(good, bad...))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 1 || len(rep.Failed) != 4 {
		t.Fatalf("report %s, failed %v", rep, rep.Failed)
	}
	var ae *ticketsync.AlertError
	for _, fl := range rep.Failed {
		if !errors.As(fl.Err, &ae) {
			t.Errorf("failure %v is not an AlertError", fl.Err)
		}
	}
	for _, source := range []string{"Bad Source!", "dup-retired", ""} {
		var ce *bridge.ConfigError
		if _, err := ticketsync.New(f.client, ticketsync.Policy{Source: source}); !errors.As(err, &ce) || ce.Field != "Source" {
			t.Errorf("source %q: err = %v, want a ConfigError on Source", source, err)
		}
	}
}

func TestRevokedPermissionStopsSync(t *testing.T) {
	f := newFixture(t)
	s := f.syncer(t, ticketsync.Policy{Source: "perm", Concurrency: 1})
	f.srv.SetPermission("Service Tickets", "None", "All", "All", "All")
	rep, err := s.Sync(context.Background(), f.alerts(10, "x"))
	if !connectwise.IsForbidden(err) {
		t.Fatalf("err = %v, want 403", err)
	}
	if rep.Created != 0 || len(rep.Failed) == 0 || len(rep.Failed) > 2 {
		t.Fatalf("report %s: should stop after the first refusal", rep)
	}
}

func TestLongAndOddKeys(t *testing.T) {
	f := newFixture(t)
	alerts := f.alerts(4, "odd")
	alerts[0].Key = strings.Repeat("k", 200)
	alerts[1].Key = `quote"and'apostrophe`
	alerts[2].Key = "bracket[1]#hash%percent_under"
	alerts[3].Key = "O'Brien laptop"
	s := f.syncer(t, ticketsync.Policy{Source: "odd"})
	for range 2 {
		rep, err := s.Sync(context.Background(), alerts)
		if err != nil || len(rep.Failed) != 0 {
			t.Fatalf("rep %s err %v failed %v", rep, err, rep.Failed)
		}
	}
	if n := len(f.srv.Tickets()); n == 0 {
		t.Fatal("no tickets")
	}
	if got := len(f.sourceTickets("odd")); got != 4 {
		t.Fatalf("%d keys, want 4", got)
	}
	for _, tk := range f.srv.Tickets() {
		if len(tk.ExternalXRef) > 100 {
			t.Errorf("externalXRef %d chars: %s", len(tk.ExternalXRef), tk.ExternalXRef)
		}
	}
}

func TestRemappedCompanyAndBoardMoveTheTicket(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.syncer(t, ticketsync.Policy{Source: "move"})
	alerts := f.alerts(2, "Mailbox rule")
	if _, err := s.Sync(ctx, alerts); err != nil {
		t.Fatal(err)
	}
	globex, _ := f.srv.CompanyByIdentifier("Globex")
	help, _ := f.srv.BoardByName("Help Desk")
	var helpNew cwtest.BoardStatus
	for _, st := range f.srv.Statuses(help.ID) {
		if st.DefaultFlag {
			helpNew = st
		}
	}
	moved := append([]ticketsync.Alert(nil), alerts...)
	moved[0].Company = connectwise.Ref{ID: globex.ID}
	moved[1].Board = connectwise.Ref{ID: help.ID}
	moved[1].Status = connectwise.Ref{ID: helpNew.ID}
	moved[1].UpdateStatus = connectwise.Ref{}
	rep, err := s.Sync(ctx, moved)
	if err != nil || rep.Updated != 2 || len(rep.Failed) != 0 {
		t.Fatalf("rep %s err %v failed %v", rep, err, rep.Failed)
	}
	got := f.sourceTickets("move")
	if tk := got[alerts[0].Key][0]; tk.Company.ID != globex.ID {
		t.Errorf("ticket stayed with company %+v after the re-mapping", tk.Company)
	}
	if tk := got[alerts[1].Key][0]; tk.Board.ID != help.ID || tk.Status.ID != helpNew.ID {
		t.Errorf("ticket board %+v status %+v; want Help Desk / its default status", tk.Board, tk.Status)
	}
	// The fingerprint now matches what the ticket shows: nothing to do.
	if rep, err = s.Sync(ctx, moved); err != nil || rep.Unchanged != 2 {
		t.Fatalf("rep %s err %v", rep, err)
	}
}

func TestKeepClosedNeverReopens(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alerts := f.alerts(2, "Impossible travel")
	closer := f.syncer(t, ticketsync.Policy{Source: "keep", AutoClose: true})
	if _, err := closer.Sync(ctx, alerts); err != nil {
		t.Fatal(err)
	}
	if _, err := closer.Sync(ctx, alerts[:1]); err != nil { // closes alert 1's ticket
		t.Fatal(err)
	}
	keep := f.syncer(t, ticketsync.Policy{Source: "keep", KeepClosed: true})
	rep, err := keep.Sync(ctx, alerts)
	if err != nil || rep.Reopened != 0 || rep.Created != 0 || rep.Unchanged != 1 || rep.KeptClosed != 1 {
		t.Fatalf("rep %s err %v", rep, err)
	}
	if tk := f.sourceTickets("keep")[alerts[1].Key]; len(tk) != 1 || !tk[0].ClosedFlag {
		t.Fatalf("closed ticket was reopened or duplicated: %+v", tk)
	}
}

// A crashed sync's create the PSA applies late leaves a duplicate; if the
// older twin is then closed by a technician, Sync (which reads open tickets)
// cannot see the pair. Audit reads them all.
func TestAuditRepairsDuplicatesWithAClosedTwin(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alert := f.alerts(1, "Forwarding rule")[0]
	s := f.syncer(t, ticketsync.Policy{Source: "audit", KeepClosed: true})
	if _, err := s.Sync(ctx, []ticketsync.Alert{alert}); err != nil {
		t.Fatal(err)
	}
	first := f.sourceTickets("audit")[alert.Key][0]
	// The late duplicate, then the technician closes the original.
	f.srv.AddTickets(1, func(_ int, tk *cwtest.Ticket) {
		tk.Summary, tk.ExternalXRef = first.Summary, first.ExternalXRef
		tk.Board, tk.Company = first.Board, first.Company
	})
	var closed cwtest.BoardStatus
	for _, st := range f.srv.Statuses(f.board.ID) {
		if st.ClosedStatus {
			closed = st
		}
	}
	f.srv.UpdateTicket(first.ID, func(tk *cwtest.Ticket) {
		tk.Status, tk.ClosedFlag = &cwtest.Ref{ID: closed.ID, Name: closed.Name}, true
	})
	// Sync sees one open ticket for the key and calls it unchanged.
	if rep, err := s.Sync(ctx, []ticketsync.Alert{alert}); err != nil || rep.Unchanged != 1 {
		t.Fatalf("sync before the audit: %s %v", rep, err)
	}
	rep, err := s.Audit(ctx)
	if err != nil || rep.Repaired != 1 {
		t.Fatalf("audit: %s %v", rep, err)
	}
	got := f.sourceTickets("audit")[alert.Key]
	if len(got) != 1 || got[0].ID != first.ID || !got[0].ClosedFlag {
		t.Fatalf("after the audit: %+v; want only the original, still closed", got)
	}
	// The technician's resolution holds.
	if rep, err := s.Sync(ctx, []ticketsync.Alert{alert}); err != nil || rep.KeptClosed != 1 || rep.Created != 0 {
		t.Fatalf("sync after the audit: %s %v", rep, err)
	}
	// Nothing left to repair.
	if rep, err := s.Audit(ctx); err != nil || rep.Repaired != 0 || rep.Calls != 1 {
		t.Fatalf("second audit: %s %v", rep, err)
	}
}

func TestCloseStatusIsReadOncePerBoard(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.syncer(t, ticketsync.Policy{Source: "closeonce", AutoClose: true, Concurrency: 8})
	if _, err := s.Sync(ctx, f.alerts(20, "Disk")); err != nil {
		t.Fatal(err)
	}
	f.srv.ResetRequests()
	rep, err := s.Sync(ctx, nil)
	if err != nil || rep.Closed != 20 {
		t.Fatalf("rep %s err %v", rep, err)
	}
	if n := f.srv.CountRequests("GET", "/statuses"); n != 1 {
		t.Fatalf("the board's statuses were read %d times for 20 concurrent closes, want 1", n)
	}
}

// Every refusal of Resolve reaches the configuration-error shape every
// package shares, naming the BoardSettings field the caller filled in.
func TestResolveNamesTheFieldAsABridgeConfigError(t *testing.T) {
	f := newFixture(t)
	var closed cwtest.BoardStatus
	for _, st := range f.srv.Statuses(f.board.ID) {
		if st.ClosedStatus {
			closed = st
		}
	}
	board := connectwise.Ref{ID: f.board.ID}
	for _, tc := range []struct {
		field string
		s     ticketsync.BoardSettings
	}{
		{"Board", ticketsync.BoardSettings{Board: connectwise.Ref{ID: 99999}}},
		{"Status", ticketsync.BoardSettings{Board: board, Status: connectwise.Ref{ID: closed.ID}}},
		{"UpdateStatus", ticketsync.BoardSettings{Board: board, UpdateStatus: connectwise.Ref{ID: closed.ID}}},
		{"Type", ticketsync.BoardSettings{Board: board, Type: connectwise.Ref{Name: "No Such Type"}}},
		{"Priority", ticketsync.BoardSettings{Board: board, Priority: connectwise.Ref{ID: 99999}}},
	} {
		_, err := ticketsync.Resolve(context.Background(), f.client, tc.s)
		var ce *bridge.ConfigError
		if !errors.As(err, &ce) || ce.API != "ticketsync" || ce.Field != tc.field {
			t.Errorf("%s: Resolve = %v, want a *bridge.ConfigError naming %s", tc.field, err, tc.field)
			continue
		}
		if tc.field != "Board" && tc.field != "Priority" && !strings.Contains(ce.Problem, f.board.Name) {
			t.Errorf("%s: Problem %q does not name board %q", tc.field, ce.Problem, f.board.Name)
		}
	}
}
