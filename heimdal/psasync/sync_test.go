package psasync_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

// onlyReads fails the test if the PSA saw anything but reads since the
// last ResetRequests.
func (e *env) onlyReads(t *testing.T) {
	t.Helper()
	for _, r := range e.cw.Requests() {
		if r.Method != "GET" && !strings.HasSuffix(r.Path, "/search") {
			t.Errorf("unexpected write %s %s", r.Method, r.Path)
		}
	}
}

func TestSyncFilesEachModuleOnItsBoard(t *testing.T) {
	e := newReadyEnv(t)
	type want struct {
		board   psasync.Board
		module  heimdal.Module
		company string
		target  string
	}
	raised := map[string]want{}
	raise := func(customer string, m heimdal.Module, target, title, company string) {
		raised[e.hd.Raise(customer, m, target, title, "details of "+title)] = want{psasync.BoardOf(m), m, company, target}
	}
	raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "AcmeCorp")
	raise(heimdaltest.GlobexID, heimdal.ModuleCPU, "GLOBEX-DC01", "CPU above 95%", "Globex")
	raise(heimdaltest.AcmeID, heimdal.ModuleAntivirus, "ACME-WS02", "Antivirus definitions outdated", "AcmeCorp")
	raise(heimdaltest.InitechID, heimdal.ModuleRansomware, "INITECH-WS01", "Encryption attempt blocked", "Initech")
	raise(heimdaltest.AcmeID, heimdal.ModuleNextGenAV, "ACME-WS01", "Trojan quarantined", "AcmeCorp")
	raise(heimdaltest.UmbrellaID, heimdal.ModuleLAD, "alice@umbrella.example", "Impossible travel", "Umbrella")
	raise(heimdaltest.UmbrellaID, heimdal.ModuleUserCompliance, "bob@umbrella.example", "MFA disabled", "Umbrella")
	// Zorgon has no PSA company and is not mapped: no ticket.
	zorgon := e.hd.Raise(heimdaltest.ZorgonID, heimdal.ModuleDisk, "ZORGON-WS01", "Low disk space", "")

	before := len(e.cw.Tickets())
	rep := e.sync(t)
	if rep.Customers != 4 || len(rep.Boards) != 3 {
		t.Fatalf("report: %d customers, %d boards", rep.Customers, len(rep.Boards))
	}
	for b, n := range map[psasync.Board]int{psasync.BoardOperations: 3, psasync.BoardCyberAlerts: 2, psasync.BoardM365: 2} {
		br, ok := rep.Board(b)
		if !ok || br.Alerts != n || br.Tickets.Created != n || br.PSABoard.Name != b.String() {
			t.Errorf("%s: report %+v (tickets %v), want %d created", b, br, br.Tickets, n)
		}
	}
	if got := len(e.cw.Tickets()) - before; got != len(raised) {
		t.Errorf("%d tickets created, want %d", got, len(raised))
	}
	for key, w := range raised {
		tk := e.one(t, w.board, key)
		if refName(tk.Board) != w.board.String() {
			t.Errorf("%s: on board %q, want %q", key, refName(tk.Board), w.board)
		}
		if tk.Company == nil || tk.Company.Identifier != w.company {
			t.Errorf("%s: company %+v, want %s", key, tk.Company, w.company)
		}
		if refName(tk.Status) != "New" || tk.ClosedFlag {
			t.Errorf("%s: status %q, want New", key, refName(tk.Status))
		}
		if refName(tk.Type) != psasync.TypeName(w.module) || refName(tk.SubType) != psasync.SubTypeName(w.module) {
			t.Errorf("%s: type %q subtype %q, want %q / %q", key, refName(tk.Type), refName(tk.SubType), psasync.TypeName(w.module), psasync.SubTypeName(w.module))
		}
		if !strings.HasPrefix(tk.Summary, "["+string(w.module)+"] "+w.target+": ") || !strings.Contains(tk.InitialDescription, "Severity: ") {
			t.Errorf("%s: summary %q, description %q", key, tk.Summary, tk.InitialDescription)
		}
	}
	for _, b := range psasync.Boards() {
		if len(e.tickets(t, b)[zorgon]) != 0 {
			t.Errorf("unmapped customer got a ticket on %s", b)
		}
	}

	// Nothing changed: the next Sync only reads.
	e.cw.ResetRequests()
	rep = e.sync(t)
	e.onlyReads(t)
	for _, br := range rep.Boards {
		if br.Tickets.Unchanged != br.Alerts || br.Tickets.Created+br.Tickets.Updated+br.Tickets.Closed != 0 {
			t.Errorf("%s re-sync: %v", br.Board, br.Tickets)
		}
	}
}

func TestSyncOperationsTicketsFollowTheirNotification(t *testing.T) {
	e := newReadyEnv(t)
	opsA := e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "C: is 90% full")
	opsB := e.hd.Raise(heimdaltest.GlobexID, heimdal.ModuleMemory, "GLOBEX-WS01", "Memory pressure", "RAM 93%")
	cyber := e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleZeroTrust, "ACME-WS02", "Unknown process blocked", "evil.exe")
	m365 := e.hd.Raise(heimdaltest.GlobexID, heimdal.ModuleForwardingRules, "bob@globex.example", "External forwarding rule", "to x@example.org")
	e.sync(t)

	// A changed notification moves to the status on update; a changed Cyber
	// alert is updated but keeps its status.
	e.hd.Update(opsA, "Low disk space", "C: is 97% full")
	e.hd.Update(cyber, "Unknown process blocked again", "evil.exe, twice")
	rep := e.sync(t)
	if ops, _ := rep.Board(psasync.BoardOperations); ops.Tickets.Updated != 1 || ops.Notes != 1 {
		t.Errorf("ops after update: %v, %d notes", ops.Tickets, ops.Notes)
	}
	a := e.one(t, psasync.BoardOperations, opsA)
	if refName(a.Status) != psasync.StatusUpdated {
		t.Errorf("updated Operations ticket in %q, want %q", refName(a.Status), psasync.StatusUpdated)
	}
	notes := e.cw.Notes(a.ID)
	if len(notes) == 0 || !strings.Contains(notes[len(notes)-1].Text, "97% full") {
		t.Errorf("update note missing the new text: %+v", notes)
	}
	if b := e.one(t, psasync.BoardOperations, opsB); refName(b.Status) != "New" {
		t.Errorf("unchanged Operations ticket moved to %q", refName(b.Status))
	}
	c := e.one(t, psasync.BoardCyberAlerts, cyber)
	if refName(c.Status) != "New" || !strings.Contains(c.Summary, "blocked again") {
		t.Errorf("updated Cyber ticket: status %q summary %q, want New and the new title", refName(c.Status), c.Summary)
	}

	// Gone from Heimdal: the Operations ticket closes, the others stay.
	e.hd.Clear(opsA)
	e.hd.Clear(cyber)
	e.hd.Clear(m365)
	rep = e.sync(t)
	if ops, _ := rep.Board(psasync.BoardOperations); ops.Tickets.Closed != 1 || !ops.AutoClose {
		t.Errorf("ops after clear: %v", ops.Tickets)
	}
	if a := e.one(t, psasync.BoardOperations, opsA); !a.ClosedFlag || refName(a.Status) != psasync.StatusClosed {
		t.Errorf("cleared Operations ticket: status %q closed %v", refName(a.Status), a.ClosedFlag)
	}
	if b := e.one(t, psasync.BoardOperations, opsB); b.ClosedFlag {
		t.Error("another Operations ticket closed")
	}
	if c := e.one(t, psasync.BoardCyberAlerts, cyber); c.ClosedFlag {
		t.Error("cleared Cyber Alerts ticket was closed")
	}
	if m := e.one(t, psasync.BoardM365, m365); m.ClosedFlag {
		t.Error("cleared M365 ticket was closed")
	}
	for _, b := range []psasync.Board{psasync.BoardCyberAlerts, psasync.BoardM365} {
		if br, _ := rep.Board(b); br.AutoClose || br.Tickets.Closed != 0 {
			t.Errorf("%s closed tickets: %v", b, br.Tickets)
		}
	}
}

func TestSyncLeavesTechnicianClosedCyberTicketsClosed(t *testing.T) {
	e := newReadyEnv(t)
	cyber := e.hd.Raise(heimdaltest.AcmeID, heimdal.ModulePrivilegedAccess, "ACME-WS01", "Elevation granted", "admin rights for 1h")
	m365 := e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleREPCloud, "alice@acme.example", "Mass download", "1,200 files")
	ops := e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleFirewall, "ACME-WS01", "Firewall off", "")
	e.sync(t)
	closeTicket := func(b psasync.Board, key string) {
		tk := e.one(t, b, key)
		closed := flowtest.StatusID(t, e.cw, tk.Board.ID, psasync.StatusClosed)
		e.cw.UpdateTicket(tk.ID, func(x *cwtest.Ticket) { x.Status = &cwtest.Ref{ID: closed} })
	}
	closeTicket(psasync.BoardCyberAlerts, cyber)
	closeTicket(psasync.BoardM365, m365)
	closeTicket(psasync.BoardOperations, ops)

	rep := e.sync(t)
	for _, b := range []psasync.Board{psasync.BoardCyberAlerts, psasync.BoardM365} {
		br, _ := rep.Board(b)
		if br.Skipped != 1 || br.Tickets.Reopened != 0 {
			t.Errorf("%s: skipped %d, %v", b, br.Skipped, br.Tickets)
		}
	}
	if !e.one(t, psasync.BoardCyberAlerts, cyber).ClosedFlag || !e.one(t, psasync.BoardM365, m365).ClosedFlag {
		t.Error("a technician-closed Cyber Alerts or M365 ticket was reopened")
	}
	// An Operations ticket mirrors its notification: still present, so the
	// ticket is reopened.
	if tk := e.one(t, psasync.BoardOperations, ops); tk.ClosedFlag || refName(tk.Status) != "New" {
		t.Errorf("Operations ticket of a present notification: status %q", refName(tk.Status))
	}
	e.cw.ResetRequests()
	e.sync(t)
	e.onlyReads(t)
}

func TestSyncDoesNotCloseAfterHeimdalError(t *testing.T) {
	e := newReadyEnv(t)
	acme := e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleCPU, "ACME-DC01", "CPU above 95%", "")
	globex := e.hd.Raise(heimdaltest.GlobexID, heimdal.ModuleCPU, "GLOBEX-DC01", "CPU above 95%", "")
	e.sync(t)

	e.hd.Clear(acme)
	later := e.hd.Raise(heimdaltest.GlobexID, heimdal.ModuleDisk, "GLOBEX-DC01", "Low disk space", "")
	// Acme (the lowest id) is read first: its notifications fail.
	e.hd.InjectStatus(500, 1)
	rep, err := e.in.Run(context.Background())
	var fe *psasync.FetchError
	if !errors.As(err, &fe) || fe.CustomerID != heimdaltest.AcmeID || fe.Board != psasync.BoardOperations {
		t.Fatalf("Sync = %v, want a FetchError for Acme's Operations alerts", err)
	}
	if !strings.Contains(err.Error(), "Acme Corp") || !strings.Contains(err.Error(), "Heimdal Operations") {
		t.Errorf("error does not name the customer and board: %v", err)
	}
	ops, _ := rep.Board(psasync.BoardOperations)
	if ops.AutoClose || !strings.Contains(ops.CloseSkipped, "Acme Corp") || ops.Tickets.Closed != 0 {
		t.Errorf("ops report after a Heimdal error: autoClose %v, skipped %q, %v", ops.AutoClose, ops.CloseSkipped, ops.Tickets)
	}
	if e.one(t, psasync.BoardOperations, acme).ClosedFlag {
		t.Fatal("ticket closed although its customer's notifications could not be read")
	}
	// What could be read still lands.
	e.one(t, psasync.BoardOperations, later)
	if e.one(t, psasync.BoardOperations, globex).ClosedFlag {
		t.Error("other customer's ticket closed")
	}

	rep = e.sync(t)
	if ops, _ := rep.Board(psasync.BoardOperations); !ops.AutoClose || ops.Tickets.Closed != 1 {
		t.Errorf("complete read: %v", ops.Tickets)
	}
	if !e.one(t, psasync.BoardOperations, acme).ClosedFlag {
		t.Error("ticket not closed once the read was complete")
	}
}

func TestSyncUnusableCompanyNamedAndNothingClosed(t *testing.T) {
	e := newReadyEnv(t)
	acme := e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleCPU, "ACME-DC01", "CPU above 95%", "")
	globex := e.hd.Raise(heimdaltest.GlobexID, heimdal.ModuleCPU, "GLOBEX-DC01", "CPU above 95%", "")
	e.sync(t)

	e.cw.SetCompanyInactive(e.company(t, "Globex").ID, true)
	e.hd.Clear(acme)
	fresh := e.hd.Raise(heimdaltest.GlobexID, heimdal.ModuleDisk, "GLOBEX-DC01", "Low disk space", "")
	rep, err := e.in.Run(context.Background())
	var ce *psasync.CompanyError
	if !errors.As(err, &ce) || ce.CustomerID != heimdaltest.GlobexID || ce.Company.Identifier != "Globex" || ce.Problem != "is inactive" {
		t.Fatalf("Sync = %v, want a CompanyError for Globex", err)
	}
	if !strings.Contains(err.Error(), "Globex Inc.") {
		t.Errorf("error does not name the company: %v", err)
	}
	if rep.Customers != 3 {
		t.Errorf("%d customers read, want the 3 usable ones", rep.Customers)
	}
	if e.one(t, psasync.BoardOperations, acme).ClosedFlag || e.one(t, psasync.BoardOperations, globex).ClosedFlag {
		t.Error("tickets closed while a mapping is broken")
	}
	if n := len(e.tickets(t, psasync.BoardOperations)[fresh]); n != 0 {
		t.Errorf("inactive company got %d new tickets", n)
	}

	// Unmapping the customer is the fix: its tickets and the vanished one close.
	if _, err := e.in.UnmapCustomer(context.Background(), heimdaltest.GlobexID); err != nil {
		t.Fatal(err)
	}
	rep = e.sync(t)
	if ops, _ := rep.Board(psasync.BoardOperations); ops.Tickets.Closed != 2 {
		t.Errorf("after unmapping: %v", ops.Tickets)
	}
	if !e.one(t, psasync.BoardOperations, acme).ClosedFlag || !e.one(t, psasync.BoardOperations, globex).ClosedFlag {
		t.Error("tickets of the vanished alert and the unmapped customer stay open")
	}
}

func TestSyncDeletedCompany(t *testing.T) {
	e := newReadyEnv(t)
	e.hd.Raise(heimdaltest.InitechID, heimdal.ModuleCPU, "INITECH-DC01", "CPU above 95%", "")
	e.cw.DeleteCompany(e.company(t, "Initech").ID)
	_, err := e.in.Run(context.Background())
	var ce *psasync.CompanyError
	if !errors.As(err, &ce) || ce.CustomerID != heimdaltest.InitechID || ce.Problem != "is deleted" {
		t.Fatalf("Sync = %v, want a CompanyError for Initech", err)
	}
	if n := len(e.tickets(t, psasync.BoardOperations)); n != 0 {
		t.Errorf("%d tickets for a deleted company", n)
	}
}

func TestSyncSourcesNeverTouchOtherTickets(t *testing.T) {
	e := newReadyEnv(t)
	opsBoard := e.board(t, "Heimdal Operations")
	newStatus := flowtest.StatusID(t, e.cw, opsBoard.ID, "New")
	// fill runs under the simulator's lock: no server calls inside.
	manual := e.cw.AddTickets(1, func(_ int, tk *cwtest.Ticket) {
		tk.Board = &cwtest.Ref{ID: opsBoard.ID}
		tk.Status = &cwtest.Ref{ID: newStatus}
		tk.Summary = "Printer on fire"
	})
	key := e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "")
	e.sync(t)

	// A second Heimdal account (here a customer-level one) filing into the
	// same PSA and boards, with nothing mapped: its Operations sync wants no
	// tickets and must close none of the first account's.
	other := newIntegration(t, e.hd, e.cw, e.store, heimdaltest.AcmeID)
	if _, err := other.ConfigureBoard(context.Background(), psasync.BoardOperations, psasync.DefaultBoardSettings(psasync.BoardOperations)); err != nil {
		t.Fatal(err)
	}
	if other.Source(psasync.BoardOperations) == e.in.Source(psasync.BoardOperations) {
		t.Fatal("two accounts share a ticket source")
	}
	rep, err := other.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ops, _ := rep.Board(psasync.BoardOperations); ops.Tickets.Closed != 0 {
		t.Errorf("other account closed %d tickets", ops.Tickets.Closed)
	}
	if e.one(t, psasync.BoardOperations, key).ClosedFlag {
		t.Error("other account closed this account's ticket")
	}
	// The first account clears everything: the manual ticket on its board
	// is not its own.
	e.hd.ClearAll()
	e.sync(t)
	if tk, _ := e.cw.Ticket(manual); tk.ClosedFlag {
		t.Error("a ticket the integration did not create was closed")
	}
	if !e.one(t, psasync.BoardOperations, key).ClosedFlag {
		t.Error("own ticket not closed")
	}
}

func TestSyncProgressNamesBoard(t *testing.T) {
	var got []string
	e := newEnv(t, psasync.WithProgress(func(p flow.Progress) {
		got = append(got, p.Step+":"+strings.SplitN(p.Key, "/", 3)[1])
	}))
	e.ready(t)
	e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleCPU, "ACME-DC01", "CPU", "")
	e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleLAD, "alice@acme.example", "Unusual login", "")
	e.sync(t)
	want := "Heimdal Operations:CPU Heimdal M365 Notifications:LAD"
	if strings.Join(got, " ") != want {
		t.Errorf("progress = %v, want %s", got, want)
	}
}

func TestAuditAfterRunFindsNothing(t *testing.T) {
	e := newEnv(t)
	if rep, err := e.in.Audit(context.Background()); err != nil || len(rep.Boards) != 0 {
		t.Fatalf("Audit with no board configured: %v %v", rep, err)
	}
	e.ready(t)
	e.hd.Raise(heimdaltest.AcmeID, heimdal.ModuleCPU, "ACME-WS01", "CPU high", "95%")
	e.sync(t)
	rep, err := e.in.Audit(context.Background())
	if err != nil || len(rep.Boards) != 3 || rep.Closed != 0 || rep.Calls != 3 {
		t.Fatalf("report %v, err %v", rep, err)
	}
	for _, br := range rep.Boards {
		if br.Tickets.Repaired != 0 || br.Tickets.Calls != 1 {
			t.Errorf("%s", br.Tickets)
		}
	}
}
