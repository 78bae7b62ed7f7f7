package officeprotect_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/officeprotect"
)

func TestNewRefusesMissingArguments(t *testing.T) {
	f := newFixture(t)
	c := psaClient(t, f.psa)
	store := flow.NewMemoryStore()
	for _, tc := range []struct {
		name  string
		new   func() error
		field string
	}{
		{"no client", func() error { _, err := officeprotect.New(nil, f.src, store); return err }, "PSA"},
		{"no source", func() error { _, err := officeprotect.New(c, nil, store); return err }, "Source"},
		{"no store", func() error { _, err := officeprotect.New(c, f.src, nil); return err }, "Store"},
		{"bad instance", func() error {
			_, err := officeprotect.New(c, f.src, store, officeprotect.WithInstance("a/b"))
			return err
		}, "Instance"},
	} {
		var ce *bridge.ConfigError
		if err := tc.new(); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: err = %v, want a ConfigError for %s", tc.name, err, tc.field)
		}
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
	_ = f.in.SetEmergencyContact(f.ctx, "soc@msp.example.com")
	if _, err := f.in.ConfirmSetup(f.ctx); !errors.Is(err, officeprotect.ErrNotChecked) {
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
	bad, err := connectwise.NewClient(cfg, fastPSA...)
	if err != nil {
		t.Fatal(err)
	}
	in, err := officeprotect.New(bad, f.src, f.store)
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
