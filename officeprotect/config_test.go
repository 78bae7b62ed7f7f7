package officeprotect_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/officeprotect"
)

func TestSuggestMappingsByNameAndFlagsUnavailableCompanies(t *testing.T) {
	f := newFixture(t)
	if err := f.in.SetMapping(f.ctx, "t-initech", f.initech.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := f.in.SetMapping(f.ctx, "t-globex", f.globex.ID, true); err != nil {
		t.Fatal(err)
	}
	// After mapping, Initech is deleted and Globex made inactive.
	f.psa.DeleteCompany(f.initech.ID)
	f.psa.SetCompanyInactive(f.globex.ID, true)

	got, err := f.in.SuggestMappings(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	byTenant := map[string]officeprotect.Suggestion{}
	for _, s := range got {
		byTenant[s.Tenant.ID] = s
	}
	if _, ok := byTenant["t-gone"]; ok {
		t.Error("an inactive, unmapped tenant was offered for mapping")
	}
	if len(got) != 4 {
		t.Fatalf("%d suggestions, want the 4 active tenants: %v", len(got), got)
	}
	acme := byTenant["t-acme"]
	if acme.Suggested.ID != f.acme.ID || acme.Score < 0.9 || acme.Current != nil || acme.CurrentState != "" {
		t.Errorf("Acme Corp: %+v", acme)
	}
	if c := byTenant["t-contoso"]; c.Suggested.ID != 0 {
		t.Errorf("Contoso has no PSA company but got %+v", c.Suggested)
	}
	if s := byTenant["t-initech"]; s.Current == nil || s.CurrentState != officeprotect.CompanyDeleted || s.Suggested.ID == f.initech.ID {
		t.Errorf("Initech (company deleted): %+v", s)
	}
	if s := byTenant["t-globex"]; s.CurrentState != officeprotect.CompanyInactive || s.Suggested.ID != 0 {
		t.Errorf("Globex (company inactive): %+v", s)
	}
}

func TestSuggestMappingsKeepsStaleMappingsVisible(t *testing.T) {
	f := newFixture(t)
	if err := f.in.SetMapping(f.ctx, "t-acme", f.acme.ID, true); err != nil {
		t.Fatal(err)
	}
	f.src.SetTenantActive("t-acme", false)
	got, err := f.in.SuggestMappings(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range got {
		if s.Tenant.ID == "t-acme" {
			if s.Tenant.Active || s.Current == nil || s.Suggested.ID != 0 {
				t.Errorf("stale mapping row: %+v", s)
			}
			return
		}
	}
	t.Error("the mapping of a tenant that is no longer active disappeared from the list")
}

func TestSetMappingValidates(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name    string
		tenant  string
		company int
		enabled bool
		problem string
	}{
		{"unknown tenant", "t-nope", f.acme.ID, true, "not an active"},
		{"inactive tenant", "t-gone", f.acme.ID, true, "not an active"},
		{"empty tenant", "  ", f.acme.ID, true, "tenant id is empty"},
		{"no company", "t-acme", 0, true, "company id is required"},
		{"company that never existed", "t-acme", 9999, true, "does not exist"},
		{"deleted company", "t-acme", f.oldco.ID, false, "was deleted"},
		{"inactive company, enabled", "t-acme", f.hooli.ID, true, "is inactive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.in.SetMapping(f.ctx, tc.tenant, tc.company, tc.enabled)
			var se *bridge.ConfigError
			if !errors.As(err, &se) || se.Field != "Mapping" || !strings.Contains(se.Problem, tc.problem) {
				t.Fatalf("err = %v, want a Mapping ConfigError saying %q", err, tc.problem)
			}
			if tc.tenant == "t-acme" && !strings.HasPrefix(se.Problem, `tenant "t-acme": `) {
				t.Errorf("Problem %q does not name the tenant first", se.Problem)
			}
		})
	}
	// The PSA's 404 behind "does not exist" stays reachable.
	if err := f.in.SetMapping(f.ctx, "t-acme", 9999, true); !connectwise.IsNotFound(err) {
		t.Errorf("SetMapping(company 9999) = %v, want the PSA's 404 reachable", err)
	}
	if len(f.mappings()) != 0 {
		t.Fatalf("rejected mappings were stored: %v", f.mappings())
	}
	// An inactive company may be mapped with the flow disabled.
	if err := f.in.SetMapping(f.ctx, "t-acme", f.hooli.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := f.in.SetMapping(f.ctx, "t-globex", f.globex.ID, true); err != nil {
		t.Fatal(err)
	}
	m := f.mappings()
	if len(m) != 2 || m[0].TenantID != "t-acme" || m[0].Enabled || m[0].Company.Identifier != "Hooli" || !m[1].Enabled {
		t.Fatalf("mappings = %+v", m)
	}
	if err := f.in.RemoveMapping(f.ctx, "t-acme"); err != nil {
		t.Fatal(err)
	}
	if len(f.mappings()) != 1 {
		t.Fatalf("RemoveMapping left %+v", f.mappings())
	}
}

func TestSetTicketStatusRejectsClosedAndForeignStatuses(t *testing.T) {
	f := newFixture(t)
	closed := flowtest.StatusID(t, f.psa, f.serviceDesk.ID, "Closed")
	for _, tc := range []struct {
		name    string
		status  connectwise.Ref
		problem string
	}{
		{"closed by name", connectwise.Ref{Name: "Closed"}, "closed status"},
		{"closed by id", connectwise.Ref{ID: closed}, "closed status"},
		{"other closed status", connectwise.Ref{Name: ">Closed"}, "closed status"},
		{"status of another board", connectwise.Ref{Name: "Assigned"}, "does not exist on this board"},
		{"another board's status by id", connectwise.Ref{ID: flowtest.StatusID(t, f.psa, f.helpDesk.ID, "New")}, "does not exist on this board"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := f.in.SetTicketStatus(f.ctx, tc.status)
			var se *bridge.ConfigError
			if !errors.As(err, &se) || se.API != "officeprotect" || se.Field != "TicketStatus" || !strings.Contains(se.Problem, tc.problem) ||
				!strings.Contains(se.Problem, "Service Desk") {
				t.Fatalf("err = %v, want a TicketStatus error saying %q on board Service Desk", err, tc.problem)
			}
			// ticketsync's refusal, naming the BoardSettings field it
			// checked, stays reachable as the cause.
			var cause *bridge.ConfigError
			if !errors.As(se.Err, &cause) || cause.API != "ticketsync" || cause.Field != "Status" {
				t.Fatalf("cause = %v, want ticketsync's ConfigError on Status", se.Err)
			}
		})
	}
	if got := f.status(); got != (connectwise.Ref{}) {
		t.Fatalf("a rejected status was kept: %+v", got)
	}
	if err := f.in.SetTicketStatus(f.ctx, connectwise.Ref{Name: "in progress"}); err != nil {
		t.Fatal(err)
	}
	if got := f.status(); got.ID != flowtest.StatusID(t, f.psa, f.serviceDesk.ID, "In Progress") || got.Name != "In Progress" {
		t.Fatalf("status = %+v", got)
	}
	if err := f.in.SetTicketStatus(f.ctx, connectwise.Ref{}); err != nil || f.status() != (connectwise.Ref{}) {
		t.Fatalf("resetting to the board default: %v %+v", err, f.status())
	}
}

func TestTicketStatusesFollowTheTargetBoard(t *testing.T) {
	f := newFixture(t)
	choice, sts, err := f.in.TicketStatuses(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if choice.Board.ID != f.serviceDesk.ID || choice.Source != officeprotect.BoardMemberDefault || len(sts) != 5 {
		t.Fatalf("choice %+v, %d statuses", choice, len(sts))
	}
	f.psa.SetMemberDefaultBoard(f.psa.APIMember().ID, f.helpDesk.ID)
	choice, sts, err = f.in.TicketStatuses(f.ctx)
	if err != nil || choice.Board.ID != f.helpDesk.ID || len(sts) != 4 {
		t.Fatalf("after moving the member's default board: %+v %d %v", choice, len(sts), err)
	}
	// Help Desk's statuses are valid now, Service Desk's are not.
	if err := f.in.SetTicketStatus(f.ctx, connectwise.Ref{Name: "Assigned"}); err != nil {
		t.Fatal(err)
	}
	if err := f.in.SetTicketStatus(f.ctx, connectwise.Ref{Name: "In Progress"}); err == nil {
		t.Fatal("a Service Desk status was accepted for Help Desk")
	}
}

func TestSetEmergencyContact(t *testing.T) {
	f := newFixture(t)
	for _, bad := range []string{"", "   ", "soc", "soc@", "@msp.example.com", "soc@localhost", "soc@msp.", "SOC <soc@msp.example.com>", "<soc@msp.example.com>", "soc@msp.example.com, noc@msp.example.com", "soc@@msp.example.com", "soc @msp.example.com"} {
		err := f.in.SetEmergencyContact(f.ctx, bad)
		var se *bridge.ConfigError
		if !errors.As(err, &se) || se.Field != "EmergencyContact" {
			t.Errorf("SetEmergencyContact(%q) = %v, want an EmergencyContact error", bad, err)
		}
	}
	if f.contact() != "" {
		t.Fatalf("a rejected address was kept: %q", f.contact())
	}
	if err := f.in.SetEmergencyContact(f.ctx, "  soc+alerts@msp.example.com\n"); err != nil {
		t.Fatal(err)
	}
	if got := f.contact(); got != "soc+alerts@msp.example.com" {
		t.Fatalf("contact = %q", got)
	}
}
