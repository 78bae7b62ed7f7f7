package leakcheck_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/heimdal/psasync"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/security360"
	"github.com/psabridge/psabridge/security360/infimasync"
)

// callerSettings is how an application holds its settings: nested in its
// own struct, which it logs with slog's JSON handler or encodes with
// json.Marshal. Neither calls String or LogValue on nested values, so
// before MarshalJSON every key came out in clear.
type callerSettings struct {
	Name    string
	PSA     connectwise.Config
	PSAPtr  *connectwise.Config
	Heimdal psasync.Settings
	Asio    security360.Credentials
	Infima  infimasync.Settings
	SMTP    officeprotect.SMTPConfig
	List    []security360.Credentials
	Map     map[string]psasync.Settings
}

func fullSettings() callerSettings {
	cfg := connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: psaCompany, PublicKey: psaPublic, PrivateKey: psaPrivate, ClientID: psaClientID}
	hs := psaSettings("api-na.myconnectwise.net")
	creds := security360.Credentials{ClientID: asioClientID, ClientSecret: asioSecret, Scope: security360.DefaultScope}
	return callerSettings{
		Name: "tenant-1", PSA: cfg, PSAPtr: &cfg, Heimdal: hs, Asio: creds,
		Infima: infimasync.Settings{ServerURL: infimasync.ServerURL, APIKey: infimaKey},
		SMTP:   officeprotect.SMTPConfig{Host: "smtp.example.com", From: "alerts@example.com", Username: "alerts", Password: smtpPassword},
		List:   []security360.Credentials{creds}, Map: map[string]psasync.Settings{"a": hs},
	}
}

func TestNestedSettingsMarshalRedacted(t *testing.T) {
	sc := newScanner(t)
	v := fullSettings()
	for name, x := range map[string]any{"value": v, "pointer": &v} {
		b, err := json.Marshal(x)
		if err != nil {
			t.Fatal(err)
		}
		sc.text("json.Marshal of a caller's struct by "+name, string(b))
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("loaded", "settings", x)
		sc.text("slog JSON of a caller's struct by "+name, buf.String())
		if !bytes.Contains(b, []byte(`"PrivateKey":"[REDACTED]"`)) || !bytes.Contains(b, []byte(`"CompanyID":"cwtest"`)) {
			t.Errorf("redacted form lost its shape: %s", b)
		}
	}
	// Identifiers stay readable, so the logged form is still useful.
	b, _ := json.Marshal(v.Infima)
	if !bytes.Contains(b, []byte(infimasync.ServerURL)) {
		t.Errorf("server URL missing from %s", b)
	}
}

// Persisting is explicit: MarshalJSONWithSecrets round-trips through
// json.Unmarshal; the redacted form, decoded, fails Validate naming the
// field instead of sending a placeholder as a key.
func TestSettingsPersistExplicitly(t *testing.T) {
	v := fullSettings()
	roundTrip := func(name string, marshal func() ([]byte, error), into any, want any) {
		t.Helper()
		b, err := marshal()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := json.Marshal(into)
		exp, _ := json.Marshal(want)
		if !bytes.Equal(got, exp) || !bytes.Contains(b, []byte("LEAK-")) {
			t.Errorf("%s did not round-trip: %s", name, b)
		}
	}
	// Each value comes back whole, secrets included: the JSON comparison
	// above sees only the redacted forms.
	for _, c := range []struct {
		name      string
		marshal   func() ([]byte, error)
		into, was any
	}{
		{"connectwise.Config", v.PSA.MarshalJSONWithSecrets, new(connectwise.Config), v.PSA},
		{"psasync.Settings", v.Heimdal.MarshalJSONWithSecrets, new(psasync.Settings), v.Heimdal},
		{"security360.Credentials", v.Asio.MarshalJSONWithSecrets, new(security360.Credentials), v.Asio},
		{"infimasync.Settings", v.Infima.MarshalJSONWithSecrets, new(infimasync.Settings), v.Infima},
	} {
		roundTrip(c.name, c.marshal, c.into, c.was)
		if got := reflect.ValueOf(c.into).Elem().Interface(); !reflect.DeepEqual(got, c.was) {
			t.Errorf("%s round trip changed the value", c.name)
		}
	}
	var smtp officeprotect.SMTPConfig
	roundTrip("officeprotect.SMTPConfig", v.SMTP.MarshalJSONWithSecrets, &smtp, v.SMTP)
	if smtp.Password != smtpPassword {
		t.Error("SMTPConfig round trip")
	}

	// The redacted form read back is refused before any request.
	b, _ := json.Marshal(v.PSA)
	var back connectwise.Config
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	var ce *connectwise.ConfigError
	if err := back.Validate(); !errors.As(err, &ce) || (ce.Field != "PublicKey" && ce.Field != "PrivateKey") {
		t.Errorf("redacted Config validated: %v", err)
	}
	b, _ = json.Marshal(v.Asio)
	var backCreds security360.Credentials
	_ = json.Unmarshal(b, &backCreds)
	if err := backCreds.Validate(); err == nil {
		t.Error("redacted Credentials validated")
	}
}
