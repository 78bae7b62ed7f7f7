package connectwise_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

func simClient(t *testing.T, srv *cwtest.Server, opts ...connectwise.Option) *connectwise.Client {
	t.Helper()
	opts = append([]connectwise.Option{
		connectwise.WithRateLimit(0, 1),
		connectwise.WithRetry(3, time.Millisecond, 2*time.Millisecond),
	}, opts...)
	c, err := connectwise.NewClient(srv.Config(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newSim starts a simulator built with opts, stopped when the test ends,
// and a client of it; most tests want both and nothing else.
func newSim(t *testing.T, opts ...cwtest.Option) (*cwtest.Server, *connectwise.Client) {
	t.Helper()
	srv := cwtest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return srv, simClient(t, srv)
}

func TestPaging2500TicketsBothStyles(t *testing.T) {
	srv, c := newSim(t)
	board, _ := srv.BoardByName("Service Desk")
	co := srv.Companies()[0]
	srv.AddTickets(2500, func(i int, tk *cwtest.Ticket) {
		tk.Summary = fmt.Sprintf("bulk %d", i)
		tk.Board = &cwtest.Ref{ID: board.ID}
		tk.Company = &cwtest.Ref{ID: co.ID}
		tk.ExternalXRef = fmt.Sprintf("bulk:%d", i)
	})
	ctx := context.Background()
	cond := connectwise.Where("externalXRef like ?", "bulk:%")
	n, _, err := c.Tickets.Count(ctx, cond)
	if err != nil || n != 2500 {
		t.Fatalf("count = %d, %v", n, err)
	}
	for _, tc := range []struct {
		name  string
		opts  connectwise.ListOptions
		calls int
	}{
		{"page-number", connectwise.ListOptions{Conditions: cond, PageSize: 1000}, 3},
		{"forward-only", connectwise.ListOptions{Conditions: cond, PageSize: 1000, ForwardOnly: true}, 3},
		{"page-number small pages", connectwise.ListOptions{Conditions: cond, PageSize: 300}, 9},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			seen := map[int]bool{}
			last := 0
			for tk, err := range c.Tickets.All(ctx, &tc.opts) {
				if err != nil {
					t.Fatal(err)
				}
				if seen[tk.ID] {
					t.Fatalf("ticket %d seen twice", tk.ID)
				}
				if tc.opts.ForwardOnly && tk.ID <= last {
					t.Fatalf("forward-only out of id order: %d after %d", tk.ID, last)
				}
				seen[tk.ID], last = true, tk.ID
			}
			if len(seen) != 2500 {
				t.Fatalf("walked %d tickets, want 2500", len(seen))
			}
			if got := srv.CountRequests("GET", "/service/tickets"); got != tc.calls {
				t.Errorf("%d page requests, want %d", got, tc.calls)
			}
		})
	}
	// One page with its links.
	page, resp, err := c.Tickets.List(ctx, &connectwise.ListOptions{Conditions: cond, PageSize: 1000, Page: 2})
	if err != nil || len(page) != 1000 || resp.NextPage != 3 || resp.PrevPage != 1 || resp.LastPage != 3 {
		t.Fatalf("page 2: %d tickets, links %+v, %v", len(page), resp, err)
	}
	page, resp, err = c.Tickets.List(ctx, &connectwise.ListOptions{Conditions: cond, PageSize: 1000, Page: 3})
	if err != nil || len(page) != 500 || resp.NextPage != 0 {
		t.Fatalf("last page: %d tickets, next %d, %v", len(page), resp.NextPage, err)
	}
}

func TestQuotedValuesRoundTripThroughSimulator(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	board, _ := srv.BoardByName("Service Desk")
	co := srv.Companies()[0]
	values := []string{`Disk "C:" full`, `O'Brien's laptop`, `C:\Temp\`, `back\"slash`, `50% done`, `plain`}
	for _, v := range values {
		_, _, err := c.Tickets.Create(ctx, &connectwise.Ticket{Summary: v, Board: connectwise.Ref{ID: board.ID}, Company: connectwise.Ref{ID: co.ID}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, v := range values {
		got, _, err := c.Tickets.List(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("summary = ?", v)})
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if len(got) != 1 || got[0].Summary != v {
			t.Errorf("summary = %q matched %d tickets", v, len(got))
		}
	}
}

func TestTicketLifecycleOnSimulator(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	board, _ := srv.BoardByName("Service Desk")
	var closed, open cwtest.BoardStatus
	for _, st := range srv.Statuses(board.ID) {
		if st.ClosedStatus && closed.ID == 0 {
			closed = st
		}
		if st.DefaultFlag {
			open = st
		}
	}
	co := srv.Companies()[0]
	tk, resp, err := c.Tickets.Create(ctx, &connectwise.Ticket{
		Summary: "Printer on fire", Board: connectwise.Ref{ID: board.ID}, Company: connectwise.Ref{ID: co.ID},
		Status: connectwise.Ref{ID: open.ID}, ExternalXRef: "tour:1", EstimatedStartDate: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
	})
	if err != nil || resp.StatusCode != 201 || tk.ID == 0 || tk.Board.Name != "Service Desk" {
		t.Fatalf("create: %+v %v", tk, err)
	}
	if !tk.EstimatedStartDate.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("estimatedStartDate = %v", tk.EstimatedStartDate)
	}
	note, _, err := c.Tickets.CreateNote(ctx, tk.ID, &connectwise.Note{Text: "Extinguisher applied"})
	if err != nil || note.ID == 0 || !note.DetailDescriptionFlag {
		t.Fatalf("note: %+v %v", note, err)
	}
	notes, _, err := c.Tickets.ListNotes(ctx, tk.ID, nil)
	if err != nil || len(notes) != 1 {
		t.Fatalf("notes: %v %v", notes, err)
	}
	tk, _, err = c.Tickets.Close(ctx, tk.ID, connectwise.Ref{ID: closed.ID})
	if err != nil || !tk.ClosedFlag {
		t.Fatalf("close: %+v %v", tk, err)
	}
	// A status from another board is refused by the PSA with a field error.
	other, _ := srv.BoardByName("Help Desk")
	_, _, err = c.Tickets.Create(ctx, &connectwise.Ticket{Summary: "x", Board: connectwise.Ref{ID: board.ID}, Company: connectwise.Ref{ID: co.ID}, Status: connectwise.Ref{ID: srv.Statuses(other.ID)[0].ID}})
	var e *connectwise.Error
	if !errors.As(err, &e) || e.StatusCode != 400 {
		t.Fatalf("off-board status: %v", err)
	}
	if _, err := c.Tickets.Delete(ctx, tk.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Tickets.Get(ctx, tk.ID); !connectwise.IsNotFound(err) {
		t.Fatalf("get deleted: %v", err)
	}
}

func TestCheckAccess(t *testing.T) {
	srv, c := newSim(t)
	req := []connectwise.Requirement{
		{Module: "Companies", Function: "Company Maintenance", Rights: []connectwise.Right{connectwise.RightInquire}},
		{Module: "Service Desk", Function: "Service Tickets", Rights: []connectwise.Right{connectwise.RightAdd, connectwise.RightEdit, connectwise.RightInquire}},
		{Module: "System", Function: "Table Setup", Rights: []connectwise.Right{connectwise.RightInquire}, Optional: true, Impact: "boards cannot be listed"},
		{Module: "System", Function: "Time Travel", Rights: []connectwise.Right{connectwise.RightInquire}},
	}
	rep, err := c.CheckAccess(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Member == nil || rep.Member.Identifier == "" {
		t.Errorf("member = %+v", rep.Member)
	}
	if rep.OK() || len(rep.Missing()) != 1 || rep.Missing()[0].Status != connectwise.AccessUnknown {
		t.Fatalf("an unlisted function must be unknown, never granted: %v", rep.Missing())
	}
	srv.SetPermission("Service Tickets", "None", "My", "All", "All")
	srv.RevokePermission("Table Setup")
	rep, err = c.CheckAccess(context.Background(), req[:3])
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range rep.Missing() {
		got = append(got, m.String())
	}
	if len(got) != 2 || fmt.Sprint(got) != "[Service Desk / Service Tickets: Add = None (missing) Service Desk / Service Tickets: Edit = My (missing)]" {
		t.Fatalf("missing = %q", got)
	}
	if w := rep.Warnings(); len(w) != 1 || w[0].Function != "Table Setup" {
		t.Fatalf("warnings = %v", w)
	}
	var ae *connectwise.AccessError
	if err := rep.Err(); !errors.As(err, &ae) || len(ae.Missing) != 2 {
		t.Fatalf("Err() = %v", err)
	}
	// A requirement may accept "My": Edit = My then counts as granted.
	mine := []connectwise.Requirement{{Module: "Service Desk", Function: "Service Tickets", Rights: []connectwise.Right{connectwise.RightEdit}, MinLevel: connectwise.LevelMy}}
	if rep, err := c.CheckAccess(context.Background(), mine); err != nil || !rep.OK() {
		t.Fatalf("MinLevel My: %v, missing %v", err, rep.Missing())
	}
	srv.RevokeCredentials()
	if _, err := c.CheckAccess(context.Background(), req); !connectwise.IsUnauthorized(err) {
		t.Fatalf("revoked credentials: %v", err)
	}
}

func TestServicesAgainstSimulator(t *testing.T) {
	_, c := newSim(t)
	ctx := context.Background()
	me, _, err := c.System.Me(ctx)
	if err != nil || me.ServiceDefaultBoard.ID == 0 {
		t.Fatalf("me: %+v %v", me, err)
	}
	info, _, err := c.System.Info(ctx)
	if err != nil || info.Version == "" {
		t.Fatalf("info: %+v %v", info, err)
	}
	ci, err := c.System.CompanyInfo(ctx)
	if err != nil || ci.Codebase == "" {
		t.Fatalf("companyinfo: %+v %v", ci, err)
	}
	count := func(name string, n int, err error) {
		t.Helper()
		if err != nil || n == 0 {
			t.Errorf("%s: %d, %v", name, n, err)
		}
	}
	boards, _, err := c.Boards.List(ctx, nil)
	count("boards", len(boards), err)
	sts, _, err := c.Boards.ListStatuses(ctx, boards[0].ID, nil)
	count("statuses", len(sts), err)
	types, _, err := c.Boards.ListTypes(ctx, boards[0].ID, nil)
	count("types", len(types), err)
	prio, _, err := c.Priorities.List(ctx, nil)
	count("priorities", len(prio), err)
	cos, _, err := c.Companies.List(ctx, &connectwise.ListOptions{OrderBy: "name asc", Fields: "id,name,identifier"})
	count("companies", len(cos), err)
	for i := 1; i < len(cos); i++ {
		if cos[i-1].Name > cos[i].Name {
			t.Errorf("orderBy name asc not honoured: %q before %q", cos[i-1].Name, cos[i].Name)
		}
	}
	members, _, err := c.Members.List(ctx, nil)
	count("members", len(members), err)
	roles, _, err := c.SecurityRoles.List(ctx, nil)
	count("roles", len(roles), err)
	settings, _, err := c.SecurityRoles.ListSettings(ctx, roles[0].ID, nil)
	count("role settings", len(settings), err)
	ags, _, err := c.Agreements.List(ctx, nil)
	count("agreements", len(ags), err)
	adds, _, err := c.Agreements.ListAdditions(ctx, ags[0].ID, nil)
	count("additions", len(adds), err)
	add, _, err := c.Agreements.PatchAddition(ctx, ags[0].ID, adds[0].ID, connectwise.Replace("quantity", 42))
	if err != nil || add.Quantity != 42 {
		t.Errorf("patch addition: %+v %v", add, err)
	}
	// Provisioning a board with its statuses and types.
	b, _, err := c.Boards.Create(ctx, &connectwise.Board{Name: "Heimdal Operations", Location: connectwise.Ref{ID: 1}, Department: connectwise.Ref{ID: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Boards.CreateStatus(ctx, b.ID, &connectwise.BoardStatus{Name: "New", DefaultFlag: true}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Boards.CreateStatus(ctx, b.ID, &connectwise.BoardStatus{Name: "Closed", ClosedStatus: true}); err != nil {
		t.Fatal(err)
	}
	ty, _, err := c.Boards.CreateType(ctx, b.ID, &connectwise.BoardType{Name: "CPU"})
	if err != nil {
		t.Fatal(err)
	}
	st, _, err := c.Boards.CreateSubType(ctx, b.ID, &connectwise.BoardSubType{Name: "High load", TypeAssociationIDs: []int{ty.ID}})
	if err != nil || st.ID == 0 {
		t.Fatalf("subtype: %+v %v", st, err)
	}
	if it, _, err := c.Boards.CreateItem(ctx, b.ID, &connectwise.BoardItem{Name: "Workstation"}); err != nil || it.ID == 0 {
		t.Fatalf("item: %+v %v", it, err)
	}
}

func TestCancelledContextStopsIteration(t *testing.T) {
	_, c := newSim(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range c.Companies.All(ctx, nil) {
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		return
	}
	t.Fatal("iterator yielded nothing")
}
