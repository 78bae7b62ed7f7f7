package officeprotect_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/officeprotect"
)

func TestNewValidatesCredentialsLikeThePSAClient(t *testing.T) {
	f := newFixture(t)
	base := f.psa.Config()
	for _, tc := range []struct {
		name  string
		edit  func(*connectwise.Config)
		field string
	}{
		{"trailing newline on private key", func(c *connectwise.Config) { c.PrivateKey += "\n" }, "PrivateKey"},
		{"space in public key", func(c *connectwise.Config) { c.PublicKey = " " + c.PublicKey }, "PublicKey"},
		{"missing company id", func(c *connectwise.Config) { c.CompanyID = "" }, "CompanyID"},
		{"plain http to a real host", func(c *connectwise.Config) { c.Site = "http://na.myconnectwise.net" }, "Site"},
		{"ftp scheme", func(c *connectwise.Config) { c.Site = "ftp://api-na.myconnectwise.net" }, "Site"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.edit(&cfg)
			_, err := officeprotect.New(cfg, f.src)
			var ce *connectwise.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("err = %v, want a ConfigError for %s", err, tc.field)
			}
		})
	}
	if _, err := officeprotect.New(base, nil); err == nil {
		t.Error("New accepted a nil event source")
	}
}

func TestIntegrationNeverPrintsSecrets(t *testing.T) {
	f := newFixture(t)
	cfg := f.psa.Config()
	for _, s := range []string{fmt.Sprint(f.in), fmt.Sprintf("%+v", f.in), fmt.Sprintf("%#v", f.in), fmt.Sprintf("%s", f.in)} {
		if strings.Contains(s, cfg.PrivateKey) || strings.Contains(s, cfg.PublicKey) {
			t.Errorf("secret printed: %s", s)
		}
	}
}

func TestCheckConnectionListsEveryRight(t *testing.T) {
	f := newFixture(t)
	chk, err := f.in.CheckConnection(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !chk.OK() || len(chk.Warnings()) != 0 || chk.Err() != nil {
		t.Fatalf("seeded role should grant everything: missing %v warnings %v", chk.Missing(), chk.Warnings())
	}
	want := map[string]bool{
		"Company Maintenance/Inquire": false, "Service Tickets/Add": false, "Service Tickets/Edit": false,
		"Service Tickets/Inquire": false, "Table Setup/Inquire": true, "Member Maintenance/Inquire": true,
	}
	if len(chk.Permissions) != len(want) {
		t.Fatalf("%d permissions checked, want %d: %v", len(chk.Permissions), len(want), chk.Permissions)
	}
	for _, p := range chk.Permissions {
		optional, ok := want[p.Function+"/"+string(p.Right)]
		if !ok || optional != p.Optional || p.Status != connectwise.AccessGranted {
			t.Errorf("unexpected check %s (optional %v)", p, p.Optional)
		}
	}
	if chk.Member.Identifier != f.psa.APIMember().Identifier || chk.DefaultBoard.ID != f.serviceDesk.ID {
		t.Errorf("member %+v default board %+v", chk.Member, chk.DefaultBoard)
	}
}

func TestCheckConnectionReportsMissingRights(t *testing.T) {
	f := newFixture(t)
	f.psa.SetPermission("Service Tickets", "None", "All", "All", "All")
	f.psa.RevokePermission("Company Maintenance")
	chk, err := f.in.CheckConnection(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if chk.OK() {
		t.Fatal("OK with rights missing")
	}
	var got []string
	for _, m := range chk.Missing() {
		if m.Status != connectwise.AccessMissing || m.Impact == "" {
			t.Errorf("%s: status %s impact %q", m, m.Status, m.Impact)
		}
		got = append(got, m.Function+": "+string(m.Right))
	}
	if fmt.Sprint(got) != "[Company Maintenance: Inquire Service Tickets: Add]" {
		t.Errorf("missing = %v", got)
	}
	var ae *connectwise.AccessError
	if !errors.As(chk.Err(), &ae) || !strings.Contains(chk.Err().Error(), "Service Tickets: Add") {
		t.Errorf("Err() = %v", chk.Err())
	}
	// A setup whose check failed cannot be confirmed.
	_ = f.in.SetEmergencyContact("soc@msp.example.com")
	if _, err := f.in.ConfirmSetup(f.ctx, nil); !errors.Is(err, officeprotect.ErrNotChecked) {
		t.Errorf("ConfirmSetup after a failed check: %v", err)
	}
}

func TestCheckConnectionWarnsAboutOptionalRights(t *testing.T) {
	f := newFixture(t)
	f.psa.RevokePermission("Table Setup")
	f.psa.RevokePermission("Member Maintenance")
	chk, err := f.in.CheckConnection(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !chk.OK() {
		t.Fatalf("optional rights made the check fail: %v", chk.Missing())
	}
	w := chk.Warnings()
	if len(w) != 2 {
		t.Fatalf("warnings = %v", w)
	}
	if !strings.Contains(w[0].Impact, "status") || !strings.Contains(w[1].Impact, "default service board") {
		t.Errorf("impacts do not say what is lost: %q / %q", w[0].Impact, w[1].Impact)
	}
}

func TestCheckConnectionRejectsBadCredentials(t *testing.T) {
	f := newFixture(t)
	cfg := f.psa.Config()
	cfg.PrivateKey = "not-the-key"
	in, err := officeprotect.New(cfg, f.src, fastPSA())
	if err != nil {
		t.Fatal(err)
	}
	chk, err := in.CheckConnection(f.ctx)
	if chk != nil || !connectwise.IsUnauthorized(err) || !strings.Contains(err.Error(), "private key") {
		t.Fatalf("check = %v, err = %v", chk, err)
	}
	if strings.Contains(err.Error(), "not-the-key") {
		t.Errorf("error leaks the key: %v", err)
	}
}
