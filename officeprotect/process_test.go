package officeprotect_test

import (
	"errors"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/psabridge/psabridge/officeprotect"
)

func TestTicketFieldsAreExactlyTheGuides(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	at := time.Date(2026, 5, 4, 10, 17, 42, 0, time.UTC)
	e := officeprotect.Event{
		ID: "evt-7f3a", TenantID: "t-globex", TriggeredAt: at,
		Title:       "Mailbox forwarding rule created",
		Description: "User j.doe@globex.example created a rule forwarding all mail to an external address.\nReview it.",
		Severity:    officeprotect.SeverityCritical, Category: "Exchange",
	}
	rep := f.process(e)
	if rep.Created != 1 {
		t.Fatalf("report %v", rep)
	}
	got := f.tickets()["evt-7f3a"]
	if len(got) != 1 {
		t.Fatalf("%d tickets", len(got))
	}
	tk := got[0]
	if tk.Company.ID != f.globex.ID {
		t.Errorf("company %+v, want Globex", tk.Company)
	}
	if tk.EstimatedStartDate == nil || !tk.EstimatedStartDate.Equal(at) {
		t.Errorf("estimatedStartDate %v, want %v", tk.EstimatedStartDate, at)
	}
	if tk.Summary != e.Title || tk.InitialDescription != e.Description || tk.RecordType != "ServiceTicket" {
		t.Errorf("summary %q description %q recordType %q", tk.Summary, tk.InitialDescription, tk.RecordType)
	}
	if !strings.HasPrefix(tk.ExternalXRef, "officeprotect:t-globex/evt-7f3a#") || officeprotect.TicketKey("t-globex", "evt-7f3a") != "t-globex/evt-7f3a" {
		t.Errorf("externalXRef %q does not carry the tenant and event key", tk.ExternalXRef)
	}
	if tk.Board.ID != f.serviceDesk.ID || tk.Status.Name != "New" || tk.ClosedFlag {
		t.Errorf("board %+v status %+v closed %v", tk.Board, tk.Status, tk.ClosedFlag)
	}
}

func TestLongTitlesAreTruncatedSafely(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	title := strings.Repeat("Connexion suspecte détectée – ", 6) // multi-byte runes across the cut
	e := event("long", "t-acme", ago(time.Minute))
	e.Title = title
	f.process(e)
	tk := f.tickets()["long"]
	if len(tk) != 1 {
		t.Fatalf("%d tickets", len(tk))
	}
	s := tk[0].Summary
	if n := utf8.RuneCountInString(s); n > 100 || n < 90 || !utf8.ValidString(s) || !strings.HasPrefix(title, strings.TrimRight(strings.TrimSuffix(s, "…"), " ")) {
		t.Errorf("summary %q (%d runes)", s, utf8.RuneCountInString(s))
	}
	// Processing it again writes nothing: the truncation is stable.
	if rep := f.process(e); rep.Unchanged != 1 || rep.Created+rep.Updated != 0 {
		t.Errorf("re-process %v", rep)
	}
}

func TestEmptyTitleStillFilesTheEvent(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	e := event("untitled", "t-acme", ago(time.Minute))
	e.Title = "  "
	f.process(e)
	if tk := f.tickets()["untitled"]; len(tk) != 1 || tk[0].Summary != "Office Protect security event: Identity" {
		t.Fatalf("tickets %+v", tk)
	}
}

func TestDuplicatesAreSuppressed(t *testing.T) {
	f := newFixture(t)
	f.src.Add(event("b1", "t-acme", ago(10*time.Hour)), event("b2", "t-globex", ago(20*time.Hour)))
	f.confirm()
	if f.ticketCount() != 2 {
		t.Fatalf("%d tickets after backfill", f.ticketCount())
	}

	live := []officeprotect.Event{event("l1", "t-acme", ago(time.Minute)), event("l2", "t-globex", ago(30*time.Second))}
	f.src.Add(live...)
	if rep := f.process(live...); rep.Created != 2 {
		t.Fatalf("live run %v", rep)
	}
	// The same live events again, and a batch repeating one id.
	f.psa.ResetRequests()
	rep := f.process(live...)
	if rep.Created != 0 || rep.Unchanged != 2 || f.psa.CountRequests("POST", "") != 0 || f.psa.CountRequests("PATCH", "") != 0 {
		t.Fatalf("re-processing wrote: %v, %d POST, %d PATCH", rep, f.psa.CountRequests("POST", ""), f.psa.CountRequests("PATCH", ""))
	}
	rep = f.process(event("l3", "t-acme", ago(time.Second)), event("l3", "t-acme", ago(time.Second)))
	if rep.Created != 1 || rep.SkippedFor(officeprotect.SkipDuplicate) != 1 {
		t.Fatalf("batch with a repeated id: %v %+v", rep, rep.SkippedEvents)
	}
	// Backfilling again after live processing (a second ConfirmSetup).
	res, err := f.in.ConfirmSetup(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Backfill.Created != 0 || res.Backfill.Unchanged != 4 {
		t.Fatalf("second backfill %v", res.Backfill)
	}
	// ProcessSince over an overlapping window.
	rep, err = f.in.ProcessSince(f.ctx, ago(48*time.Hour))
	if err != nil || rep.Created != 0 {
		t.Fatalf("ProcessSince: %v %v", rep, err)
	}
	for id, ts := range f.tickets() {
		if len(ts) != 1 {
			t.Errorf("event %s has %d tickets", id, len(ts))
		}
	}
	if f.ticketCount() != 5 {
		t.Fatalf("%d tickets, want 5", f.ticketCount())
	}
}

func TestDisabledAndUnmappedTenantsRecordNothing(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	rep := f.process(
		event("i1", "t-initech", ago(time.Minute)),
		event("c1", "t-contoso", ago(time.Minute)),
		event("x1", "t-unknown", ago(time.Minute)),
		event("", "t-acme", ago(time.Minute)),
	)
	if f.ticketCount() != 0 || rep.Sync != nil {
		t.Fatalf("%d tickets written, sync %v", f.ticketCount(), rep.Sync)
	}
	if rep.SkippedFor(officeprotect.SkipDisabled) != 1 || rep.SkippedFor(officeprotect.SkipUnmapped) != 2 || rep.SkippedFor(officeprotect.SkipInvalid) != 1 {
		t.Fatalf("skipped %+v", rep.SkippedEvents)
	}
	// Enabling the tenant later starts its flow; disabling stops it again.
	if err := f.in.SetMapping(f.ctx, "t-initech", f.initech.ID, true); err != nil {
		t.Fatal(err)
	}
	if rep := f.process(event("i1", "t-initech", ago(time.Minute))); rep.Created != 1 {
		t.Fatalf("enabled tenant: %v", rep)
	}
	if err := f.in.SetMapping(f.ctx, "t-initech", f.initech.ID, false); err != nil {
		t.Fatal(err)
	}
	if rep := f.process(event("i2", "t-initech", ago(time.Minute))); rep.Created != 0 || rep.SkippedFor(officeprotect.SkipDisabled) != 1 {
		t.Fatalf("disabled again: %v", rep)
	}
	if err := f.in.RemoveMapping(f.ctx, "t-initech"); err != nil {
		t.Fatal(err)
	}
	if rep := f.process(event("i3", "t-initech", ago(time.Minute))); rep.Created != 0 || rep.SkippedFor(officeprotect.SkipUnmapped) != 1 {
		t.Fatalf("unmapped: %v", rep)
	}
}

func TestProcessSinceReadsTheSource(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	f.src.Add(event("old", "t-acme", ago(2*time.Hour)), event("new", "t-acme", ago(time.Minute)))
	rep, err := f.in.ProcessSince(f.ctx, ago(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Events != 1 || rep.Created != 1 || len(f.tickets()["old"]) != 0 {
		t.Fatalf("report %v", rep)
	}
	boom := errors.New("office protect unavailable")
	f.src.InjectFault(boom)
	if _, err := f.in.ProcessSince(f.ctx, ago(time.Hour)); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if len(f.rec.Alerts()) != 0 {
		t.Fatal("an Office Protect outage is not a broken PSA integration")
	}
}

func TestTicketsClosedByATechnicianStayClosed(t *testing.T) {
	f := newFixture(t)
	f.src.Add(event("c1", "t-acme", ago(time.Hour)))
	f.confirm()
	var tk cwtest.Ticket
	for _, ts := range f.tickets() {
		tk = ts[0]
	}
	var closed cwtest.BoardStatus
	for _, st := range f.psa.Statuses(tk.Board.ID) {
		if st.ClosedStatus {
			closed = st
		}
	}
	f.psa.UpdateTicket(tk.ID, func(t *cwtest.Ticket) {
		t.Status = &cwtest.Ref{ID: closed.ID, Name: closed.Name}
		t.ClosedFlag = true
	})
	// A second backfill and a live run see the event again.
	if _, err := f.in.ConfirmSetup(f.ctx); err != nil {
		t.Fatal(err)
	}
	if rep := f.process(event("c1", "t-acme", ago(time.Hour))); rep.Created != 0 || rep.Reopened != 0 {
		t.Fatalf("re-processing a closed event: %v", rep)
	}
	got, _ := f.psa.Ticket(tk.ID)
	if !got.ClosedFlag || f.ticketCount() != 1 {
		t.Fatalf("ticket closedFlag=%v, %d tickets; want it closed and alone", got.ClosedFlag, f.ticketCount())
	}
}

func TestAuditNeedsConfirmedSetup(t *testing.T) {
	f := newFixture(t)
	if _, err := f.in.Audit(f.ctx); !errors.Is(err, officeprotect.ErrNotConfirmed) {
		t.Fatalf("Audit before ConfirmSetup: %v", err)
	}
	f.src.Add(event("a1", "t-acme", ago(time.Hour)))
	f.confirm()
	rep, err := f.in.Audit(f.ctx)
	if err != nil || rep.Closed != 0 || rep.Calls != 1 {
		t.Fatalf("audit: %v %v", rep, err)
	}
}
