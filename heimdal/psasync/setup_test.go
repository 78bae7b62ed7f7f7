package psasync_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

func TestCheckAccessReportsWhatIsMissing(t *testing.T) {
	e := newSavedEnv(t)
	ctx := context.Background()
	rep, err := e.in.CheckAccess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("the seeded API member has the guide's role, yet missing: %v", rep.Missing())
	}
	// 1 + 4 + 3 + 3 + 1 + 1 + 1 + 3 rights in the setup guide.
	if n := len(rep.Checks); n != 17 {
		t.Errorf("%d rights checked, want the guide's 17", n)
	}

	e.cw.RevokePermission("Table Setup")
	e.cw.SetPermission("Service Tickets", "All", "All", "None", "All")
	rep, err = e.in.CheckAccess(ctx)
	if err != nil {
		t.Fatal(err)
	}
	flowtest.WantMissingRights(t, rep, "Service Tickets: Delete", "Table Setup: Add", "Table Setup: Edit", "Table Setup: Inquire")
}

func TestRequirementsMatchSetupGuide(t *testing.T) {
	r := psasync.Requirements()
	r[0].Function = "mutated"
	if psasync.Requirements()[0].Function != "Company Maintenance" {
		t.Error("Requirements shares its slice between calls")
	}
	want := map[string]string{
		"Company Maintenance":   "Inquire",
		"Service Tickets":       "Add Edit Delete Inquire",
		"Close Service Tickets": "Add Edit Inquire",
		"Resource Scheduling":   "Add Edit Inquire",
		"Member Maintenance":    "Inquire",
		"My Account":            "Inquire",
		"My Company":            "Inquire",
		"Table Setup":           "Add Edit Inquire",
	}
	for _, req := range psasync.Requirements() {
		var rights []string
		for _, r := range req.Rights {
			rights = append(rights, string(r))
		}
		if got := strings.Join(rights, " "); want[req.Function] != got || req.Optional || req.Impact == "" {
			t.Errorf("%s: rights %q optional %v impact %q; want %q, required, with impact", req.Function, got, req.Optional, req.Impact, want[req.Function])
		}
		delete(want, req.Function)
	}
	if len(want) != 0 {
		t.Errorf("not required: %v", want)
	}
}

func TestProvisionBoardsCreatesOnceAndIsIdempotent(t *testing.T) {
	e := newSavedEnv(t)
	ctx := context.Background()
	p, err := e.in.ProvisionBoards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 3 boards; 3 + 2 + 2 statuses; 16 types and 16 subtypes.
	if n := p.Created(); n != 3+7+16+16 {
		t.Errorf("first run created %d objects, want 42: %+v", n, p)
	}
	for _, hb := range psasync.Boards() {
		b := e.board(t, hb.String())
		var names []string
		for _, st := range e.cw.Statuses(b.ID) {
			names = append(names, st.Name)
			if st.Name == psasync.StatusNew && !st.DefaultFlag {
				t.Errorf("%s: New is not the default status", hb)
			}
			if (st.Name == psasync.StatusClosed) != st.ClosedStatus {
				t.Errorf("%s: status %s closed=%v", hb, st.Name, st.ClosedStatus)
			}
		}
		want := []string{"New", "Closed"}
		if hb == psasync.BoardOperations {
			want = []string{"New", "Updated", "Closed"}
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s statuses = %v, want %v", hb, names, want)
		}
		types := map[int]string{}
		for _, ty := range e.cw.Types(b.ID) {
			types[ty.ID] = ty.Name
		}
		subs := map[string]string{}
		for _, st := range e.cw.SubTypes(b.ID) {
			if len(st.TypeAssociationIds) != 1 {
				t.Errorf("%s: subtype %s types %v, want its module's type", hb, st.Name, st.TypeAssociationIds)
				continue
			}
			subs[st.Name] = types[st.TypeAssociationIds[0]]
		}
		for _, m := range psasync.ModulesFor(hb) {
			if got := subs[psasync.SubTypeName(m)]; got != psasync.TypeName(m) {
				t.Errorf("%s: subtype %s is tied to type %q, want %q", hb, psasync.SubTypeName(m), got, psasync.TypeName(m))
			}
		}
		if len(types) != len(psasync.ModulesFor(hb)) {
			t.Errorf("%s: %d types, want one per module", hb, len(types))
		}
	}

	e.cw.ResetRequests()
	p, err = e.in.ProvisionBoards(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Created() != 0 || e.cw.CountRequests("POST", "") != 0 {
		t.Errorf("second run created %d objects with %d POSTs, want none", p.Created(), e.cw.CountRequests("POST", ""))
	}
	if len(p.Boards) != 3 || p.Boards[0].PSABoard.ID != e.board(t, "Heimdal Operations").ID {
		t.Errorf("second run reports %+v", p.Boards)
	}
}

func TestProvisionBoardsConcurrentRunsMakeOneSet(t *testing.T) {
	e := newSavedEnv(t)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() { _, errs[i] = e.in.ProvisionBoards(context.Background()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("concurrent provisioning: %v", err)
		}
	}
	count := map[string]int{}
	for _, b := range e.cw.Boards() {
		count[b.Name]++
	}
	for _, hb := range psasync.Boards() {
		b := e.board(t, hb.String())
		if count[hb.String()] != 1 || len(e.cw.Types(b.ID)) != len(psasync.ModulesFor(hb)) || len(e.cw.SubTypes(b.ID)) != len(psasync.ModulesFor(hb)) {
			t.Errorf("%s: %d boards, %d types, %d subtypes", hb, count[hb.String()], len(e.cw.Types(b.ID)), len(e.cw.SubTypes(b.ID)))
		}
	}
}

func TestProvisionBoardsKeepsExistingObjects(t *testing.T) {
	e := newSavedEnv(t)
	// An administrator made the Cyber board by hand, spelling a type the way
	// Heimdal's documentation does.
	b := e.cw.AddBoard(cwBoard("Heimdal Cyber Alerts"))
	e.cw.AddStatus(b.ID, cwStatus("New", true, false))
	e.cw.AddType(b.ID, cwType("Ransomware Encryption Protection"))
	p, err := e.in.ProvisionBoards(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cyber := p.Boards[1]
	if cyber.PSABoard.ID != b.ID || slices.Contains(cyber.Created, "board") || slices.Contains(cyber.Created, "status New") || slices.Contains(cyber.Created, "type Ransomware Encryption") {
		t.Errorf("existing objects re-created: %v", cyber.Created)
	}
	if !slices.Contains(cyber.Created, "status Closed") || !slices.Contains(cyber.Created, "subtype REP") {
		t.Errorf("missing objects not created: %v", cyber.Created)
	}
}

func TestConfigureBoardValidatesAgainstPSA(t *testing.T) {
	e := newSavedEnv(t)
	ctx := context.Background()
	if _, err := e.in.ProvisionBoards(ctx); err != nil {
		t.Fatal(err)
	}
	ops := psasync.DefaultBoardSettings(psasync.BoardOperations)
	withRef := func(s ticketsync.BoardSettings, f func(*ticketsync.BoardSettings)) ticketsync.BoardSettings {
		f(&s)
		return s
	}
	ref := func(name string) connectwise.Ref { return connectwise.Ref{Name: name} }
	// Each case edits the board's default settings; the PSA board is named
	// in the message when the problem is on one.
	for _, tc := range []struct {
		name       string
		board      psasync.Board
		edit       func(*ticketsync.BoardSettings)
		field, psa string
	}{
		{"update status on Cyber Alerts", psasync.BoardCyberAlerts, func(s *ticketsync.BoardSettings) { s.UpdateStatus = ref("New") }, "UpdateStatus", "Heimdal Cyber Alerts"},
		{"update status on M365", psasync.BoardM365, func(s *ticketsync.BoardSettings) { s.UpdateStatus = ref("New") }, "UpdateStatus", "Heimdal M365 Notifications"},
		{"closed status on creation", psasync.BoardOperations, func(s *ticketsync.BoardSettings) { s.Status = ref("Closed") }, "Status", "Heimdal Operations"},
		{"closed status on update", psasync.BoardOperations, func(s *ticketsync.BoardSettings) { s.UpdateStatus = ref("Closed") }, "UpdateStatus", "Heimdal Operations"},
		{"type of another board", psasync.BoardOperations, func(s *ticketsync.BoardSettings) { s.Type = ref("Incident") }, "Type", "Heimdal Operations"},
		{"subtype of another board", psasync.BoardCyberAlerts, func(s *ticketsync.BoardSettings) { s.SubType = ref("CPU") }, "SubType", "Heimdal Cyber Alerts"},
		{"item of another board", psasync.BoardOperations, func(s *ticketsync.BoardSettings) { s.Item = ref("Workstation") }, "Item", "Heimdal Operations"},
		{"status of another board", psasync.BoardM365, func(s *ticketsync.BoardSettings) { s.Status = ref("In Progress") }, "Status", "Heimdal M365 Notifications"},
		{"unknown priority", psasync.BoardOperations, func(s *ticketsync.BoardSettings) { s.Priority = ref("Whenever") }, "Priority", ""},
		{"unknown board", psasync.BoardOperations, func(s *ticketsync.BoardSettings) { s.Board = ref("Heimdal Ops") }, "Board", ""},
		{"not a Heimdal board", psasync.Board(9), func(s *ticketsync.BoardSettings) { *s = ops }, "Board", ""},
	} {
		settings := withRef(psasync.DefaultBoardSettings(tc.board), tc.edit)
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.in.ConfigureBoard(ctx, tc.board, settings)
			var ce *bridge.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("ConfigureBoard = %v, want a ConfigError for field %q", err, tc.field)
			}
			if tc.psa != "" && !strings.Contains(err.Error(), tc.psa) {
				t.Errorf("message does not name the board: %v", err)
			}
			if bc, _ := e.in.BoardConfig(context.Background(), tc.board); bc != nil {
				t.Error("invalid settings were stored")
			}
		})
	}

	// Priority is global: the seeded PSA's priority is fine on any board.
	good := withRef(ops, func(s *ticketsync.BoardSettings) {
		s.Priority = connectwise.Ref{Name: "Priority 2 - Quick Response"}
	})
	bc, err := e.in.ConfigureBoard(ctx, psasync.BoardOperations, good)
	if err != nil {
		t.Fatal(err)
	}
	if bc.Settings.Status.Name != "New" || bc.Settings.UpdateStatus.Name != "Updated" || bc.Settings.Close.Name != "Closed" || bc.Settings.Priority.ID == 0 {
		t.Errorf("resolved settings = %+v", bc.Settings)
	}
	if len(bc.Routes) != 7 {
		t.Fatalf("%d routes, want one per Operations module", len(bc.Routes))
	}
	for _, r := range bc.Routes {
		if r.Type.Name != psasync.TypeName(r.Module) || r.SubType.Name != psasync.SubTypeName(r.Module) {
			t.Errorf("module %s routed to %s / %s", r.Module, r.Type.Name, r.SubType.Name)
		}
	}
}

func TestConfigureBoardOnAnyBoardFallsBackToConfiguredType(t *testing.T) {
	e := newSavedEnv(t)
	// A board without Heimdal types: every module uses the configured ones.
	bc, err := e.in.ConfigureBoard(context.Background(), psasync.BoardCyberAlerts, ticketsync.BoardSettings{
		Board: connectwise.Ref{Name: "Service Desk"}, Type: connectwise.Ref{Name: "Incident"}, SubType: connectwise.Ref{Name: "Network"}, Item: connectwise.Ref{Name: "Server"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if bc.Settings.Status.Name != "New" {
		t.Errorf("empty status on creation resolved to %q, want the board default New", bc.Settings.Status.Name)
	}
	for _, r := range bc.Routes {
		if r.Type.Name != "Incident" || r.SubType.Name != "Network" {
			t.Errorf("module %s routed to %s / %s, want the configured Incident / Network", r.Module, r.Type.Name, r.SubType.Name)
		}
	}
}
