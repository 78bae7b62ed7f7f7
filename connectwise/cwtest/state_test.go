package cwtest_test

import (
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise/cwtest"
)

// The test-facing writers act as a PSA user would: they assign ids, fill
// defaults, stamp _info and report a record that does not exist.
func TestStateWriters(t *testing.T) {
	now := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	srv := cwtest.NewUnstartedServer(cwtest.WithClock(func() time.Time { return now }))

	b := srv.AddBoard(cwtest.Board{ID: 99, Name: "Security"})
	if b.ID == 99 || b.ID == 0 {
		t.Errorf("AddBoard kept the caller's id or none: %d", b.ID)
	}
	if b.Location == nil || b.Location.Name != "Main" || b.Department == nil || b.Department.Name != "Services" {
		t.Errorf("AddBoard defaults: location %+v department %+v", b.Location, b.Department)
	}
	if b.Info == nil || b.Info.DateEntered == nil || !b.Info.DateEntered.Equal(now) {
		t.Errorf("AddBoard stamp: %+v", b.Info)
	}
	open := srv.AddStatus(b.ID, cwtest.BoardStatus{ID: 7, Name: "Open", DefaultFlag: true})
	closed := srv.AddStatus(b.ID, cwtest.BoardStatus{Name: "Done", ClosedStatus: true})
	if open.Board == nil || open.Board.ID != b.ID || open.ID == 7 || closed.ID == open.ID {
		t.Errorf("AddStatus: %+v %+v", open, closed)
	}

	id := srv.AddTickets(1, func(_ int, tk *cwtest.Ticket) {
		tk.Board = &cwtest.Ref{ID: b.ID}
		tk.Status = &cwtest.Ref{ID: open.ID}
	})
	entered := now
	now = now.Add(time.Hour)
	if !srv.UpdateTicket(id, func(tk *cwtest.Ticket) { tk.Status = &cwtest.Ref{ID: closed.ID} }) {
		t.Fatal("UpdateTicket of a stored ticket reported none")
	}
	tk, _ := srv.Ticket(id)
	if !tk.ClosedFlag || tk.ClosedDate == nil || !tk.ClosedDate.Equal(now) {
		t.Errorf("closed status: closedFlag %v closedDate %v", tk.ClosedFlag, tk.ClosedDate)
	}
	if !tk.Info.DateEntered.Equal(entered) || !tk.Info.LastUpdated.Equal(now) {
		t.Errorf("update stamp: %+v", tk.Info)
	}
	srv.UpdateTicket(id, func(tk *cwtest.Ticket) { tk.Status = &cwtest.Ref{ID: open.ID} })
	if tk, _ = srv.Ticket(id); tk.ClosedFlag || tk.ClosedDate != nil {
		t.Errorf("reopened: closedFlag %v closedDate %v", tk.ClosedFlag, tk.ClosedDate)
	}

	co := srv.AddCompany(cwtest.Company{Identifier: "NewCo", Name: "New Co"})
	if co.Status == nil || co.Status.Name != "Active" {
		t.Errorf("AddCompany status: %+v", co.Status)
	}
	if !srv.SetCompanyInactive(co.ID, true) {
		t.Fatal("SetCompanyInactive of a stored company reported none")
	}
	if got, _ := srv.CompanyByIdentifier("newco"); got.Status == nil || got.Status.Name != "Inactive" {
		t.Errorf("inactive company: %+v", got.Status)
	}
	if !srv.SetMemberDefaultBoard(srv.APIMember().ID, b.ID) || srv.APIMember().ServiceDefaultBoard.ID != b.ID {
		t.Errorf("SetMemberDefaultBoard: %+v", srv.APIMember().ServiceDefaultBoard)
	}

	if !srv.DeleteTicket(id) || srv.DeleteTicket(id) {
		t.Error("DeleteTicket should report the ticket once")
	}
	if !srv.DeleteBoard(b.ID) || len(srv.Statuses(b.ID)) != 0 {
		t.Errorf("DeleteBoard left statuses %+v", srv.Statuses(b.ID))
	}

	const missing = 1 << 30
	if srv.UpdateTicket(missing, func(*cwtest.Ticket) {}) || srv.SetCompanyInactive(missing, true) ||
		srv.SetMemberDefaultBoard(missing, 0) || srv.DeleteBoard(missing) {
		t.Error("a writer reported a record that does not exist")
	}
}
