package psasync_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

func TestSettingsValidateNamesField(t *testing.T) {
	good := psasync.Settings{CompanyID: "acme", Site: "api-eu.myconnectwise.net", PublicKey: "pubkey1234", PrivateKey: "privkey5678", ClientID: "8d0b3b1e-0000-4000-8000-000000000001"}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid settings: %v", err)
	}
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
		su, err := psasync.NewSetup(flow.NewMemoryStore(), heimdaltest.ResellerID)
		if err != nil {
			t.Fatal(err)
		}
		if err := su.UpdateSettings(s); !errors.As(err, &ce) || ce.Field != tc.field {
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

func TestNewRequiresClientsStoreAndCustomer(t *testing.T) {
	e := newEnv(t)
	hc, psa, store := heimdalClient(t, e.hd), flowtest.PSAClient(t, e.cw), flow.NewMemoryStore()
	for _, tc := range []struct {
		field string
		new   func() (*psasync.Integration, error)
	}{
		{"Heimdal", func() (*psasync.Integration, error) { return psasync.New(nil, psa, store, "1") }},
		{"PSA", func() (*psasync.Integration, error) { return psasync.New(hc, nil, store, "1") }},
		{"Store", func() (*psasync.Integration, error) { return psasync.New(hc, psa, nil, "1") }},
		{"CustomerID", func() (*psasync.Integration, error) { return psasync.New(hc, psa, store, "") }},
	} {
		var ce *bridge.ConfigError
		if _, err := tc.new(); !errors.As(err, &ce) || ce.Field != tc.field {
			t.Errorf("%s: %v", tc.field, err)
		}
	}
	if _, err := e.in.Run(context.Background()); !errors.Is(err, psasync.ErrNoBoards) {
		t.Errorf("Run with no board configured = %v, want ErrNoBoards", err)
	}
}

func TestSaveRequiresSuccessfulTestOfTheseSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	su, save := e.setup(t)
	if err := save(); !errors.Is(err, psasync.ErrNoSettings) {
		t.Fatalf("Save with nothing staged = %v, want ErrNoSettings", err)
	}
	if _, err := su.TestConnection(ctx); !errors.Is(err, psasync.ErrNoSettings) {
		t.Fatalf("TestConnection with nothing staged = %v", err)
	}
	good := settingsOf(e.cw)
	if err := su.UpdateSettings(good); err != nil {
		t.Fatal(err)
	}
	var se *psasync.StateError
	if err := save(); !errors.As(err, &se) || se.Op != "Save" || !errors.Is(err, psasync.ErrNotTested) {
		t.Fatalf("Save before TestConnection = %v, want *StateError with ErrNotTested", err)
	}

	// A failed test leaves Save disabled.
	bad := good
	bad.PrivateKey = "wrong-private-key"
	if err := su.UpdateSettings(bad); err != nil {
		t.Fatal(err)
	}
	_, err := su.TestConnection(ctx)
	var conErr *psasync.ConnectionError
	if !errors.As(err, &conErr) || !connectwise.IsUnauthorized(err) {
		t.Fatalf("TestConnection with a wrong key = %v, want *ConnectionError satisfying IsUnauthorized", err)
	}
	if strings.Contains(err.Error(), "wrong-private-key") {
		t.Errorf("error shows the private key: %v", err)
	}
	if err := save(); !errors.Is(err, psasync.ErrNotTested) {
		t.Fatalf("Save after a failed test = %v", err)
	}

	// A successful test of other settings does not enable saving these.
	if err := su.UpdateSettings(good); err != nil {
		t.Fatal(err)
	}
	e.cw.ResetRequests()
	info, err := su.TestConnection(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Version == "" {
		t.Error("TestConnection returned no version")
	}
	if n := e.cw.CountRequests("GET", "/system/info"); n != 1 {
		t.Errorf("TestConnection made %d /system/info calls, want the one dedicated call", n)
	}
	if err := su.UpdateSettings(bad); err != nil {
		t.Fatal(err)
	}
	if err := save(); !errors.Is(err, psasync.ErrNotTested) {
		t.Fatalf("Save of untested settings after another test = %v", err)
	}
	if _, err := psasync.LoadSettings(ctx, e.store, heimdaltest.ResellerID); !errors.Is(err, flow.ErrNotFound) {
		t.Fatal("settings saved although Save was refused")
	}
	// Back to the tested settings: the earlier test was withdrawn.
	retestAndSave(t, su, save, good)
	if s, err := psasync.LoadSettings(ctx, e.store, heimdaltest.ResellerID); err != nil || s != good {
		t.Fatalf("LoadSettings = %v, %v", s, err)
	}
	// Saving what is already saved needs no new test.
	if err := save(); err != nil {
		t.Fatalf("re-Save of the saved settings: %v", err)
	}
}

func TestSetupCheckAccessNeedsASuccessfulTest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	su, _ := e.setup(t)
	if err := su.UpdateSettings(settingsOf(e.cw)); err != nil {
		t.Fatal(err)
	}
	if _, err := su.CheckAccess(ctx); !errors.Is(err, psasync.ErrNotTested) {
		t.Errorf("CheckAccess before a test = %v, want ErrNotTested", err)
	}
	if _, err := su.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	// CheckAccess may run once the connection tested fine, before saving.
	if rep, err := su.CheckAccess(ctx); err != nil || !rep.OK() {
		t.Errorf("CheckAccess after a successful test = %v, %v", rep, err)
	}
}

func TestChangingSavedSettingsRetainsByDefault(t *testing.T) {
	e := newReadyEnv(t)
	ctx := context.Background()
	su, save := e.setup(t)
	rotated := settingsOf(e.cw)
	// The simulator accepts any client id, so changing it stands for a key
	// rotation: same PSA, new settings.
	rotated.ClientID = "11111111-2222-4333-8444-555555555555"
	retestAndSave(t, su, save, rotated)
	if bc, err := e.in.BoardConfig(ctx, psasync.BoardOperations); err != nil || bc == nil || len(e.mappings(t)) != 4 {
		t.Fatalf("default Save dropped the ticket or customer settings: board %v %v, %d mappings", bc, err, len(e.mappings(t)))
	}

	again := rotated
	again.ClientID = "99999999-2222-4333-8444-555555555555"
	if err := su.UpdateSettings(again); err != nil {
		t.Fatal(err)
	}
	if _, err := su.TestConnection(ctx); err != nil {
		t.Fatal(err)
	}
	if err := save(psasync.RetainTicketAndCustomerSettings(false)); err != nil {
		t.Fatal(err)
	}
	for _, b := range psasync.Boards() {
		if bc, _ := e.in.BoardConfig(ctx, b); bc != nil {
			t.Errorf("%s still configured after Save without retaining", b)
		}
	}
	if n := len(e.mappings(t)); n != 0 {
		t.Errorf("%d mappings left after Save without retaining", n)
	}
	if _, err := e.in.Run(ctx); !errors.Is(err, psasync.ErrNoBoards) {
		t.Errorf("Run after clearing = %v, want ErrNoBoards", err)
	}
}

// setup is the settings screen on e's store, and its Save as a plain error.
func (e *env) setup(t *testing.T) (*psasync.Setup, func(...psasync.SaveOption) error) {
	t.Helper()
	su, err := psasync.NewSetup(e.store, heimdaltest.ResellerID, fastPSA...)
	if err != nil {
		t.Fatal(err)
	}
	return su, func(opts ...psasync.SaveOption) error {
		_, err := su.Save(context.Background(), opts...)
		return err
	}
}

// retestAndSave enters s, which Save refuses until a new connection test
// passes, then tests and saves it.
func retestAndSave(t *testing.T, su *psasync.Setup, save func(...psasync.SaveOption) error, s psasync.Settings) {
	t.Helper()
	if err := su.UpdateSettings(s); err != nil {
		t.Fatal(err)
	}
	if err := save(); !errors.Is(err, psasync.ErrNotTested) {
		t.Fatalf("Save of settings not tested since they were entered = %v", err)
	}
	if _, err := su.TestConnection(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := save(); err != nil {
		t.Fatalf("Save after a successful test: %v", err)
	}
}

func TestSavedSettingsSurviveAndStayRedacted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := settingsOf(e.cw)
	e.save(t)
	raw, err := e.store.Get(ctx, "heimdal-psa/"+heimdaltest.ResellerID+"/settings")
	if err != nil || !strings.Contains(string(raw), good.PrivateKey) {
		t.Fatalf("the store must hold the key to rebuild the client: %v", err)
	}
	s, err := psasync.LoadSettings(ctx, e.store, heimdaltest.ResellerID)
	if err != nil || s != good {
		t.Fatalf("LoadSettings = %v, %v", s, err)
	}
	js, err := json.Marshal(struct{ S psasync.Settings }{s})
	if err != nil || strings.Contains(string(js), good.PrivateKey) {
		t.Errorf("json.Marshal of a struct holding Settings: %s %v", js, err)
	}
	// A damaged document is a typed error naming the key, never its value.
	if err := e.store.Put(ctx, "heimdal-psa/"+heimdaltest.ResellerID+"/settings", []byte(`{"privateKey":"`+good.PrivateKey+`","site":`)); err != nil {
		t.Fatal(err)
	}
	_, err = psasync.LoadSettings(ctx, e.store, heimdaltest.ResellerID)
	var se *flow.StateError
	if !errors.As(err, &se) || !errors.Is(err, flow.ErrCorrupt) || strings.Contains(err.Error(), good.PrivateKey) {
		t.Errorf("damaged settings: %v", err)
	}
}
