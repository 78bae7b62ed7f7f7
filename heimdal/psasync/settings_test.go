package psasync_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

func TestSettingsValidateNamesField(t *testing.T) {
	good := psasync.Settings{CompanyID: "acme", Site: "api-eu.myconnectwise.net", PublicKey: "pubkey1234", PrivateKey: "privkey5678", ClientID: "8d0b3b1e-0000-4000-8000-000000000001"}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid settings: %v", err)
	}
	hd := heimdaltest.NewServer()
	defer hd.Close()
	for _, tc := range []struct {
		field  string
		mutate func(*psasync.Settings)
	}{
		{"CompanyID", func(s *psasync.Settings) { s.CompanyID = "" }},
		{"Site", func(s *psasync.Settings) { s.Site = "" }},
		{"PublicKey", func(s *psasync.Settings) { s.PublicKey = " pubkey1234" }},
		{"PrivateKey", func(s *psasync.Settings) { s.PrivateKey = "privkey5678\n" }},
		{"ClientID", func(s *psasync.Settings) { s.ClientID = "" }},
	} {
		s := good
		tc.mutate(&s)
		err := s.Validate()
		var ce *connectwise.ConfigError
		if !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: Validate = %v, want a *connectwise.ConfigError for %s", tc.field, err, tc.field)
		}
		if err != nil && strings.Contains(err.Error(), "privkey5678") {
			t.Errorf("%s: error shows the private key: %v", tc.field, err)
		}
		// UpdateSettings refuses what Validate refuses.
		in := newIntegration(t, hd, heimdaltest.ResellerID)
		if err := in.UpdateSettings(s); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: UpdateSettings = %v", tc.field, err)
		}
	}
}

func TestSettingsNeverPrintPrivateKey(t *testing.T) {
	s := psasync.Settings{CompanyID: "acme", Site: "api-eu.myconnectwise.net", PublicKey: "PUBLICKEY99", PrivateKey: "TOPSECRET-PRIVATE", ClientID: "cid"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		out := fmt.Sprintf(verb, s)
		if strings.Contains(out, "TOPSECRET") || strings.Contains(out, "PUBLICKEY99") {
			t.Errorf("%s prints a key: %s", verb, out)
		}
		if !strings.Contains(out, "acme") {
			t.Errorf("%s lost the company id: %s", verb, out)
		}
	}
	if out := fmt.Sprintf("%v", &s); strings.Contains(out, "TOPSECRET") {
		t.Errorf("pointer prints the private key: %s", out)
	}
}

func TestNewRequiresClientAndCustomer(t *testing.T) {
	var ce *heimdal.ConfigError
	if _, err := psasync.New(nil, "1"); !errors.As(err, &ce) || ce.Field != "Client" {
		t.Errorf("nil client: %v", err)
	}
	hc, err := heimdal.NewClient("key")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := psasync.New(hc, ""); !errors.As(err, &ce) || ce.Field != "CustomerID" {
		t.Errorf("empty customer: %v", err)
	}
}

func TestSaveRequiresSuccessfulTestOfTheseSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.in.Save(); !errors.Is(err, psasync.ErrNoSettings) {
		t.Fatalf("Save with nothing staged = %v, want ErrNoSettings", err)
	}
	if _, err := e.in.TestConnection(ctx); !errors.Is(err, psasync.ErrNoSettings) {
		t.Fatalf("TestConnection with nothing staged = %v", err)
	}
	good := settingsOf(e.cw)
	if err := e.in.UpdateSettings(good); err != nil {
		t.Fatal(err)
	}
	var se *psasync.StateError
	if err := e.in.Save(); !errors.As(err, &se) || se.Op != "Save" || !errors.Is(err, psasync.ErrNotTested) {
		t.Fatalf("Save before TestConnection = %v, want *StateError with ErrNotTested", err)
	}

	// A failed test leaves Save disabled.
	bad := good
	bad.PrivateKey = "wrong-private-key"
	if err := e.in.UpdateSettings(bad); err != nil {
		t.Fatal(err)
	}
	_, err := e.in.TestConnection(ctx)
	var conErr *psasync.ConnectionError
	if !errors.As(err, &conErr) || !connectwise.IsUnauthorized(err) {
		t.Fatalf("TestConnection with a wrong key = %v, want *ConnectionError satisfying IsUnauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong-private-key") {
		t.Errorf("error shows the private key: %v", err)
	}
	if err := e.in.Save(); !errors.Is(err, psasync.ErrNotTested) {
		t.Fatalf("Save after a failed test = %v", err)
	}

	// A successful test of other settings does not enable saving these.
	if err := e.in.UpdateSettings(good); err != nil {
		t.Fatal(err)
	}
	e.cw.ResetRequests()
	info, err := e.in.TestConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version == "" {
		t.Error("TestConnection returned no version")
	}
	if n := e.cw.CountRequests("GET", "/system/info"); n != 1 {
		t.Errorf("TestConnection made %d /system/info calls, want the one dedicated call", n)
	}
	if err := e.in.UpdateSettings(bad); err != nil {
		t.Fatal(err)
	}
	if err := e.in.Save(); !errors.Is(err, psasync.ErrNotTested) {
		t.Fatalf("Save of untested settings after another test = %v", err)
	}
	if _, ok := e.in.Saved(); ok {
		t.Fatal("settings saved although Save was refused")
	}
	// Back to the tested settings: the earlier test was withdrawn.
	if err := e.in.UpdateSettings(good); err != nil {
		t.Fatal(err)
	}
	if err := e.in.Save(); !errors.Is(err, psasync.ErrNotTested) {
		t.Fatalf("Save after the test was withdrawn = %v", err)
	}
	if _, err := e.in.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.in.Save(); err != nil {
		t.Fatalf("Save after a successful test: %v", err)
	}
	if s, ok := e.in.Saved(); !ok || s != good {
		t.Fatalf("Saved = %v, %v", s, ok)
	}
	// Saving what is already saved needs no new test.
	if err := e.in.Save(); err != nil {
		t.Fatalf("re-Save of the saved settings: %v", err)
	}
}

func TestStepsRefusedUntilSaved(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.in.UpdateSettings(settingsOf(e.cw)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.in.CheckAccess(ctx); !errors.Is(err, psasync.ErrNotTested) {
		t.Errorf("CheckAccess before a test = %v, want ErrNotTested", err)
	}
	if _, err := e.in.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	e.cw.ResetRequests()
	steps := map[string]func() error{
		"ProvisionBoards": func() error { _, err := e.in.ProvisionBoards(ctx); return err },
		"ConfigureBoard": func() error {
			_, err := e.in.ConfigureBoard(ctx, psasync.BoardOperations, psasync.DefaultBoardSettings(psasync.BoardOperations))
			return err
		},
		"SyncCustomers": func() error { _, err := e.in.SyncCustomers(ctx); return err },
		"MapCustomer":   func() error { return e.in.MapCustomer(ctx, heimdaltest.AcmeID, 1) },
		"Accept":        func() error { return e.in.Accept() },
		"Sync":          func() error { _, err := e.in.Sync(ctx); return err },
	}
	for op, f := range steps {
		var se *psasync.StateError
		if err := f(); !errors.As(err, &se) || se.Op != op || !errors.Is(err, psasync.ErrNotSaved) {
			t.Errorf("%s before Save = %v, want *StateError{%s, ErrNotSaved}", op, err, op)
		}
	}
	if n := e.cw.CountRequests("", ""); n != 0 {
		t.Errorf("refused steps made %d PSA calls", n)
	}
	// CheckAccess may run once the connection tested fine, before saving.
	if rep, err := e.in.CheckAccess(ctx); err != nil || !rep.OK() {
		t.Errorf("CheckAccess after a successful test = %v, %v", rep, err)
	}
	if err := e.in.Save(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.in.Sync(ctx); !errors.Is(err, psasync.ErrNoBoards) {
		t.Errorf("Sync with no board configured = %v, want ErrNoBoards", err)
	}
}

func TestChangingSavedSettingsRetainsByDefault(t *testing.T) {
	e := newEnv(t)
	e.ready(t)
	ctx := context.Background()
	rotated := settingsOf(e.cw)
	// The simulator accepts any client id, so changing it stands for a key
	// rotation: same PSA, new settings.
	rotated.ClientID = "11111111-2222-4333-8444-555555555555"
	if err := e.in.UpdateSettings(rotated); err != nil {
		t.Fatal(err)
	}
	if err := e.in.Save(); !errors.Is(err, psasync.ErrNotTested) {
		t.Fatalf("Save of changed settings without a new test = %v", err)
	}
	if _, err := e.in.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.in.Save(); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.in.BoardConfig(psasync.BoardOperations); !ok || len(e.in.Mappings()) != 4 {
		t.Fatalf("default Save dropped the ticket or customer settings: board %v, %d mappings", ok, len(e.in.Mappings()))
	}

	again := rotated
	again.ClientID = "99999999-2222-4333-8444-555555555555"
	if err := e.in.UpdateSettings(again); err != nil {
		t.Fatal(err)
	}
	if _, err := e.in.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e.in.Save(psasync.RetainTicketAndCustomerSettings(false)); err != nil {
		t.Fatal(err)
	}
	for _, b := range psasync.Boards() {
		if _, ok := e.in.BoardConfig(b); ok {
			t.Errorf("%s still configured after Save without retaining", b)
		}
	}
	if n := len(e.in.Mappings()); n != 0 {
		t.Errorf("%d mappings left after Save without retaining", n)
	}
	if _, err := e.in.Sync(ctx); !errors.Is(err, psasync.ErrNoBoards) {
		t.Errorf("Sync after clearing = %v, want ErrNoBoards", err)
	}
}
