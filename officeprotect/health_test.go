package officeprotect_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/officeprotect"
)

// batch returns n fresh events for tenant, with ids unique to prefix.
func batch(prefix, tenant string, n int) []officeprotect.Event {
	out := make([]officeprotect.Event, n)
	for i := range out {
		out[i] = event(fmt.Sprintf("%s-%d", prefix, i), tenant, ago(time.Duration(i+1)*time.Minute))
	}
	return out
}

func kinds(alerts []officeprotect.Alert) string {
	return ids(alerts, func(a officeprotect.Alert) string { return a.Failure.Key() })
}

func TestRevokedCredentialsAlertOncePerFailure(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	f.psa.RevokeCredentials()
	for i := range 3 {
		rep, err := f.in.Process(f.ctx, batch(fmt.Sprint("r", i), "t-acme", 2))
		if err == nil || len(rep.Failures) != 1 || rep.Failures[0].Kind != officeprotect.FailureCredentials {
			t.Fatalf("run %d: err %v, failures %+v", i, err, rep.Failures)
		}
	}
	alerts := f.rec.Alerts()
	if len(alerts) != 1 {
		t.Fatalf("%d alerts for one failure: %s", len(alerts), kinds(alerts))
	}
	a := alerts[0]
	if a.To != "soc@msp.example.com" || !strings.Contains(a.Subject, "API keys rejected") ||
		!strings.Contains(a.Body, "HTTP 401") || !strings.Contains(a.Body, "Check connection") {
		t.Errorf("alert %+v", a)
	}
	if got := f.failures(); len(got) != 1 || got[0].Kind != officeprotect.FailureCredentials || !got[0].Since.Equal(now) {
		t.Errorf("Failures() = %+v", got)
	}

	// Fixed: a good run re-arms it, so a second revocation alerts again.
	f.psa.RestoreCredentials()
	if rep := f.process(batch("ok", "t-acme", 1)...); rep.Created != 1 {
		t.Fatalf("after restore: %v", rep)
	}
	f.wantFailures(0, "after the fix")
	f.psa.RevokeCredentials()
	_, _ = f.in.Process(f.ctx, batch("again", "t-acme", 1))
	f.wantAlerts(2, "after the failure came back")
}

func TestRemovedPermissionAlertsOnceAndNamesTheRight(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	f.psa.SetPermission("Service Tickets", "None", "All", "All", "All")
	for i := range 3 {
		rep, err := f.in.Process(f.ctx, batch(fmt.Sprint("p", i), "t-globex", 2))
		if err == nil || rep.Created != 0 {
			t.Fatalf("run %d: %v %v", i, rep, err)
		}
	}
	alerts := f.rec.Alerts()
	if len(alerts) != 1 {
		t.Fatalf("%d alerts: %s", len(alerts), kinds(alerts))
	}
	fl := alerts[0].Failure
	if fl.Kind != officeprotect.FailurePermission || fl.Subject != "Service Desk / Service Tickets: Add" ||
		!strings.Contains(alerts[0].Body, "Service Tickets: Add") {
		t.Fatalf("failure %+v", fl)
	}
	// A different right removed is a different failure.
	f.psa.SetPermission("Service Tickets", "None", "All", "All", "None")
	_, _ = f.in.Process(f.ctx, batch("p9", "t-globex", 1))
	if got := f.rec.Alerts(); len(got) != 2 || !strings.Contains(got[1].Failure.Subject, "Inquire") {
		t.Fatalf("alerts %s", kinds(got))
	}
	// Granted again: the next run notices and re-arms.
	f.psa.SetPermission("Service Tickets", "All", "All", "All", "All")
	if rep := f.process(batch("fixed", "t-globex", 1)...); rep.Created != 1 {
		t.Fatalf("after re-granting: %v", rep)
	}
	f.wantFailures(0, "after the fix")
}

func TestPermissionFailureClearsOnlyWhenTheRightIsBack(t *testing.T) {
	f := newFixture(t)
	f.src.Add(event("seen", "t-acme", ago(time.Hour)))
	f.confirm()
	f.psa.SetPermission("Service Tickets", "None", "All", "All", "All")
	_, _ = f.in.Process(f.ctx, batch("x", "t-acme", 1))
	// This run needs no Add (its event already has a ticket) and succeeds,
	// but the right is still missing: no re-arm, so no second alert later.
	if rep := f.process(event("seen", "t-acme", ago(time.Hour))); rep.Unchanged != 1 {
		t.Fatalf("%v", rep)
	}
	f.wantFailures(1, "while the right is still missing")
	_, _ = f.in.Process(f.ctx, batch("y", "t-acme", 1))
	f.wantAlerts(1, "for one failure that never cleared")
}

func TestDeletedCompanyAlertsOncePerCompany(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	f.psa.DeleteCompany(f.acme.ID)
	f.psa.SetCompanyInactive(f.globex.ID, true)
	rep, err := f.in.Process(f.ctx, append(batch("a", "t-acme", 3), batch("g", "t-globex", 2)...))
	if err != nil {
		t.Fatalf("a per-company failure stopped the run: %v", err)
	}
	if len(rep.FailedEvents) != 5 || len(rep.Notified) != 2 {
		t.Fatalf("report %v, alerts %s", rep, kinds(rep.Notified))
	}
	want := fmt.Sprintf("[company-unavailable:%d company-unavailable:%d]", f.acme.ID, f.globex.ID)
	if got := kinds(f.rec.Alerts()); got != want {
		t.Fatalf("alerts %s, want %s", got, want)
	}
	if body := f.rec.Alerts()[0].Body; !strings.Contains(body, "AcmeCorp") || !strings.Contains(body, "t-acme") {
		t.Errorf("alert does not name the company and tenant:\n%s", body)
	}
	// More events for the same companies: no new alert.
	_, _ = f.in.Process(f.ctx, append(batch("a2", "t-acme", 2), batch("g2", "t-globex", 1)...))
	if len(f.rec.Alerts()) != 2 {
		t.Fatalf("%d alerts after a second run", len(f.rec.Alerts()))
	}
	// Globex comes back: its failure clears; Acme's stays.
	f.psa.SetCompanyInactive(f.globex.ID, false)
	rep = f.process(append(batch("a3", "t-acme", 1), batch("g3", "t-globex", 1)...)...)
	if rep.Created != 1 {
		t.Fatalf("%v", rep)
	}
	if got := f.failures(); len(got) != 1 || got[0].Subject != fmt.Sprint(f.acme.ID) {
		t.Fatalf("failures %+v", got)
	}
	// Globex breaks again: alerted again.
	f.psa.SetCompanyInactive(f.globex.ID, true)
	_, _ = f.in.Process(f.ctx, batch("g4", "t-globex", 1))
	if len(f.rec.Alerts()) != 3 {
		t.Fatalf("%d alerts, want 3", len(f.rec.Alerts()))
	}
}

func TestDeletedBoardAlertsOnce(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	f.psa.DeleteBoard(f.serviceDesk.ID)
	for i := range 2 {
		_, _ = f.in.Process(f.ctx, batch(fmt.Sprint("b", i), "t-acme", 2))
	}
	alerts := f.rec.Alerts()
	if len(alerts) != 1 || alerts[0].Failure.Kind != officeprotect.FailureBoard || !strings.Contains(alerts[0].Body, "Service Desk") {
		t.Fatalf("alerts %s", kinds(alerts))
	}
	// Re-confirming picks a board that exists and clears the failure.
	res, err := f.in.ConfirmSetup(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Board.Board.ID != f.helpDesk.ID || len(f.failures()) != 0 {
		t.Fatalf("board %+v failures %+v", res.Board, f.failures())
	}
}

func TestOrdinaryFailuresDoNotPage(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	// The PSA has a bad moment: every ticket create answers 500.
	f.psa.InjectFault(cwtest.Fault{Method: http.MethodPost, PathContains: "/service/tickets", Status: http.StatusInternalServerError})
	rep, err := f.in.Process(f.ctx, batch("t", "t-acme", 2))
	if len(f.rec.Alerts()) != 0 || len(f.failures()) != 0 {
		t.Fatalf("transient errors paged the contact: %s (err %v)", kinds(f.rec.Alerts()), err)
	}
	if rep == nil || len(rep.FailedEvents) != 2 {
		t.Fatalf("report %v", rep)
	}
	f.psa.ClearFaults()
	if rep := f.process(batch("t", "t-acme", 2)...); rep.Created != 2 {
		t.Fatalf("after the fault: %v", rep)
	}
}

func TestUndeliveredAlertIsRetried(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	f.rec.InjectFault(errors.New("mail server down"))
	f.psa.RevokeCredentials()
	rep, _ := f.in.Process(f.ctx, batch("a", "t-acme", 1))
	if len(rep.NotifyErrors) != 1 || len(rep.Notified) != 0 {
		t.Fatalf("report %+v", rep)
	}
	f.rec.ClearFaults()
	rep, _ = f.in.Process(f.ctx, batch("b", "t-acme", 1))
	if len(rep.Notified) != 1 {
		t.Fatalf("the alert was not retried: %+v", rep)
	}
	_, _ = f.in.Process(f.ctx, batch("c", "t-acme", 1))
	if len(f.rec.Alerts()) != 1 {
		t.Fatalf("%d alerts", len(f.rec.Alerts()))
	}
}
