package flowtest_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
)

func TestTicketsGroupsBySourceAndKey(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	xrefs := []string{"src:a/b#0011", "src:a/b#0022", "src:k#with#hash#0033", "other:a/b#0044", "src:no-fingerprint", ""}
	srv.AddTickets(len(xrefs), func(i int, tk *cwtest.Ticket) { tk.ExternalXRef = xrefs[i] })
	got := flowtest.Tickets(srv, "src")
	if len(got) != 2 || len(got["a/b"]) != 2 || len(got["k#with#hash"]) != 1 {
		t.Fatalf("Tickets(src) = %v; want a/b twice and k#with#hash once", got)
	}
}

func TestPSAClientReachesTheSimulator(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	c := flowtest.PSAClient(t, srv)
	if info, _, err := c.System.Info(t.Context()); err != nil || info.Version == "" {
		t.Fatalf("System.Info = %+v, %v", info, err)
	}
}

func TestItemAndWantStatus(t *testing.T) {
	rep := &flow.CheckReport{Flow: "test"}
	rep.Add("PSA connection", flow.Granted, "ok", "")
	rep.Add("Mappings", flow.Warning, "one stale", "one client is not delivered")
	if it := flowtest.WantStatus(t, rep, "Mappings", flow.Warning); it.Lost != "one client is not delivered" {
		t.Errorf("item = %+v", it)
	}
	if it := flowtest.Item(t, rep, "PSA connection"); it.Detail != "ok" {
		t.Errorf("item = %+v", it)
	}
}

type checker struct {
	rep *flow.CheckReport
	err error
}

func (c checker) Check(context.Context) (*flow.CheckReport, error) { return c.rep, c.err }

func TestCheckAndWantItems(t *testing.T) {
	rep := &flow.CheckReport{Flow: "test"}
	rep.Add("PSA connection", flow.Granted, "ok", "")
	rep.Add("Mappings", flow.Warning, "one stale", "one client is not delivered")
	if got := flowtest.Check(t, checker{rep: rep}); got != rep {
		t.Fatalf("Check = %p, want the flow's report %p", got, rep)
	}
	flowtest.WantItems(t, rep, map[string]flow.Status{"PSA connection": flow.Granted, "Mappings": flow.Warning})

	// The failing paths report through the TB they are given.
	ft := &fakeTB{TB: t}
	rep.Add("Setup", flow.Missing, "not confirmed", "")
	flowtest.WantItems(ft, rep, map[string]flow.Status{"Setup": flow.Missing, "Mappings": flow.Granted})
	if ft.errors != 2 {
		t.Errorf("WantItems reported %d errors, want 2 (no lost, wrong status)", ft.errors)
	}
	for name, fail := range map[string]func(){
		"Check on the flow's error":  func() { flowtest.Check(ft, checker{err: errors.New("state unreadable")}) },
		"CheckOK on a wrong verdict": func() { flowtest.CheckOK(ft, checker{rep: rep}, true) },
		"CheckOK on a failing check": func() { flowtest.CheckOK(ft, checker{err: errors.New("state unreadable")}, false) },
	} {
		ft.fatal = false
		done := make(chan struct{})
		go func() {
			defer close(done)
			fail()
		}()
		<-done
		if !ft.fatal {
			t.Errorf("%s did not fail the test", name)
		}
	}
	if got := flowtest.CheckOK(t, checker{rep: rep}, false); got != rep {
		t.Errorf("CheckOK = %p, want the flow's report %p", got, rep)
	}
}

func TestWantMissingRights(t *testing.T) {
	right := func(fn string, r connectwise.Right, st connectwise.AccessStatus, impact string) connectwise.AccessCheck {
		return connectwise.AccessCheck{Module: "Service Desk", Function: fn, Right: r, Status: st, Impact: impact}
	}
	rep := &connectwise.AccessReport{Checks: []connectwise.AccessCheck{
		right("Service Tickets", connectwise.RightAdd, connectwise.AccessMissing, "no ticket is filed"),
		right("Service Tickets", connectwise.RightInquire, connectwise.AccessGranted, ""),
		right("Table Setup", connectwise.RightEdit, connectwise.AccessUnknown, "boards are not provisioned"),
	}}
	flowtest.WantMissingRights(t, rep, "Service Tickets: Add", "Table Setup: Edit")

	for name, tc := range map[string]struct {
		rep    *connectwise.AccessReport
		want   []string
		errors int
	}{
		"a right too few":  {rep, []string{"Service Tickets: Add"}, 2},                      // list, AccessError size
		"nothing missing":  {&connectwise.AccessReport{}, []string{"Table Setup: Edit"}, 3}, // OK, list, Err
		"missing, no loss": {&connectwise.AccessReport{Checks: []connectwise.AccessCheck{right("Table Setup", connectwise.RightEdit, connectwise.AccessMissing, "")}}, []string{"Table Setup: Edit"}, 1},
	} {
		ft := &fakeTB{TB: t}
		flowtest.WantMissingRights(ft, tc.rep, tc.want...)
		if ft.errors != tc.errors {
			t.Errorf("%s: %d errors, want %d", name, ft.errors, tc.errors)
		}
	}
}

// fakeTB records failures instead of failing the real test.
type fakeTB struct {
	testing.TB
	errors int
	fatal  bool
}

func (f *fakeTB) Helper()               {}
func (f *fakeTB) Errorf(string, ...any) { f.errors++ }
func (f *fakeTB) Fatalf(string, ...any) { f.fatal = true; runtime.Goexit() }

func TestRestartProofTallies(t *testing.T) {
	var p flowtest.RestartProof
	p.Restarted(3)
	p.Report(t) // no violation: passes

	ft := &fakeTB{TB: t}
	p.Restarted(2)
	p.Violation(ft, "ticket %s filed twice", "k1")
	if ft.errors != 1 || p.Violations() != 1 {
		t.Fatalf("after one violation: %d errors, %d counted", ft.errors, p.Violations())
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Report(ft)
	}()
	<-done
	if !ft.fatal {
		t.Error("Report passed a proof with a violation")
	}
}

func TestStatusIDFindsTheBoardsStatus(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	b := srv.Boards()[0]
	want := srv.Statuses(b.ID)[0]
	if got := flowtest.StatusID(t, srv, b.ID, want.Name); got != want.ID {
		t.Errorf("StatusID(%q) = %d, want %d", want.Name, got, want.ID)
	}
	ft := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		flowtest.StatusID(ft, srv, b.ID, "no such status")
	}()
	<-done
	if !ft.fatal {
		t.Error("StatusID found a status the board does not have")
	}
}
