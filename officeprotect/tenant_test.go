package officeprotect_test

import (
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/officeprotect"
)

// byKey returns the simulator's Office Protect tickets by full ticket key.
func (f *fixture) byKey() map[string][]cwtest.Ticket {
	return flowtest.Tickets(f.psa, officeprotect.Source)
}

// expectPerTenant checks that event id's tickets are exactly one per
// tenant, each under its tenant's company with its own title.
func (f *fixture) expectPerTenant(id string, companies map[string]int) {
	f.t.Helper()
	got := f.byKey()
	for tenant, company := range companies {
		ts := got[officeprotect.TicketKey(tenant, id)]
		if len(ts) != 1 {
			f.t.Fatalf("tenant %s, event %s: %d tickets, want 1 (all: %v)", tenant, id, len(ts), got)
		}
		if ts[0].Company == nil || ts[0].Company.ID != company {
			f.t.Errorf("tenant %s: ticket %d under company %+v, want %d", tenant, ts[0].ID, ts[0].Company, company)
		}
		if !strings.Contains(ts[0].Summary, tenant) {
			f.t.Errorf("tenant %s: ticket %d summary %q is another tenant's", tenant, ts[0].ID, ts[0].Summary)
		}
	}
}

func titled(id, tenant string, at time.Time) officeprotect.Event {
	e := event(id, tenant, at)
	e.Title = "Sign-in alert for " + tenant
	return e
}

func TestSameEventIDInTwoTenantsOneBatch(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	rep := f.process(titled("evt-1", "t-acme", ago(time.Minute)), titled("evt-1", "t-globex", ago(time.Minute)))
	if rep.Created != 2 || rep.SkippedFor(officeprotect.SkipDuplicate) != 0 {
		t.Fatalf("report %v, skipped %+v", rep, rep.SkippedEvents)
	}
	f.expectPerTenant("evt-1", map[string]int{"t-acme": f.acme.ID, "t-globex": f.globex.ID})
	if n := f.ticketCount(); n != 2 {
		t.Errorf("%d tickets, want 2", n)
	}
}

func TestSameEventIDInTwoTenantsSeparateRuns(t *testing.T) {
	f := newFixture(t)
	f.confirm()
	f.process(titled("evt-1", "t-acme", ago(time.Minute)))
	rep := f.process(titled("evt-1", "t-globex", ago(time.Minute)))
	if rep.Created != 1 || rep.Updated != 0 {
		t.Fatalf("second tenant's run: %v (it must not take over the first ticket)", rep)
	}
	f.expectPerTenant("evt-1", map[string]int{"t-acme": f.acme.ID, "t-globex": f.globex.ID})
	if n := f.ticketCount(); n != 2 {
		t.Errorf("%d tickets, want 2", n)
	}
	// Both again, in either order: nothing moves.
	rep = f.process(titled("evt-1", "t-globex", ago(time.Minute)), titled("evt-1", "t-acme", ago(time.Minute)))
	if rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
		t.Fatalf("re-run: %v", rep)
	}
}

// legacyTicket files a ticket the way earlier versions did: keyed by the
// bare event id.
func (f *fixture) legacyTicket(eventID string, companyID int, summary string) int {
	f.t.Helper()
	return f.psa.AddTickets(1, func(_ int, t *cwtest.Ticket) {
		t.Summary = summary
		t.Company = &cwtest.Ref{ID: companyID}
		t.Board = &cwtest.Ref{ID: f.serviceDesk.ID}
		t.ExternalXRef = officeprotect.Source + ":" + eventID + "#0123456789abcdef"
	})
}

func TestTicketsUnderTheOldKeyAreAdopted(t *testing.T) {
	f := newFixture(t)
	old := f.legacyTicket("evt-old", f.acme.ID, "Sign-in alert for t-acme")
	// Two tenants raised "evt-shared"; the old key's ticket sits in
	// Globex's company (the last tenant to process it took it over), so
	// Globex adopts it and Acme gets its own.
	shared := f.legacyTicket("evt-shared", f.globex.ID, "Sign-in alert for t-globex")
	f.src.Add(titled("evt-old", "t-acme", ago(time.Hour)),
		titled("evt-shared", "t-acme", ago(2*time.Hour)), titled("evt-shared", "t-globex", ago(2*time.Hour)))
	res := f.confirm()
	if res.Backfill.Adopted != 2 || res.Backfill.Created != 1 {
		t.Fatalf("backfill %v (adopted %d)", res.Backfill, res.Backfill.Adopted)
	}
	f.expectPerTenant("evt-old", map[string]int{"t-acme": f.acme.ID})
	if got := f.byKey()[officeprotect.TicketKey("t-acme", "evt-old")][0].ID; got != old {
		t.Errorf("evt-old is ticket %d, want the adopted %d", got, old)
	}
	g := f.byKey()[officeprotect.TicketKey("t-globex", "evt-shared")]
	a := f.byKey()[officeprotect.TicketKey("t-acme", "evt-shared")]
	if len(g) != 1 || g[0].ID != shared || len(a) != 1 || a[0].Company.ID != f.acme.ID {
		t.Fatalf("evt-shared: globex %+v acme %+v", g, a)
	}
	if n := len(f.psa.Tickets()); n != 3 {
		t.Errorf("%d tickets, want 3", n)
	}
	// Live processing afterwards finds them under the new keys.
	rep := f.process(titled("evt-old", "t-acme", ago(time.Hour)))
	if rep.Unchanged != 1 || rep.Adopted != 0 || rep.Created != 0 {
		t.Fatalf("after adoption: %v", rep)
	}
}

func TestAdoptedClosedTicketStaysClosed(t *testing.T) {
	f := newFixture(t)
	id := f.legacyTicket("evt-closed", f.acme.ID, "Sign-in alert for t-acme")
	closed := flowtest.StatusID(t, f.psa, f.serviceDesk.ID, "Closed")
	f.psa.UpdateTicket(id, func(tk *cwtest.Ticket) { tk.Status = &cwtest.Ref{ID: closed}; tk.ClosedFlag = true })
	f.src.Add(titled("evt-closed", "t-acme", ago(time.Hour)))
	res := f.confirm()
	if res.Backfill.Created != 0 || res.Backfill.Adopted != 1 {
		t.Fatalf("backfill %v", res.Backfill)
	}
	if tk, _ := f.psa.Ticket(id); !tk.ClosedFlag || len(f.psa.Tickets()) != 1 {
		t.Fatalf("closed legacy ticket: %+v, %d tickets", tk, len(f.psa.Tickets()))
	}
}

func TestTicketKeyShape(t *testing.T) {
	if k := officeprotect.TicketKey("t-acme", "evt-1"); k != "t-acme/evt-1" {
		t.Errorf("key %q", k)
	}
	if officeprotect.TicketKey("a/b", "c") == officeprotect.TicketKey("a", "b/c") {
		t.Error("keys must be unambiguous")
	}
	long := officeprotect.TicketKey("0f8fad5b-d9cb-469f-a165-70867728950e", "AAMkAGI2TG93AAA=-0123456789abcdef")
	if !strings.HasPrefix(long, "k-") || len(long) > 56 || strings.ContainsAny(long, "#[]") {
		t.Errorf("long key %q", long)
	}
}
