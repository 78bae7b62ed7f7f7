package exampleenv

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestPSAConfigWithoutVariablesStartsTheSimulator(t *testing.T) {
	psa, err := PSAConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer psa.Close()
	if !psa.Simulated() || psa.Config != psa.Sim.Config() {
		t.Fatalf("got %v, want the simulator's configuration", psa.Config)
	}
	if _, err := connectwise.NewClient(psa.Config); err != nil {
		t.Fatal(err)
	}
}

func TestPSAConfigReadsEveryVariable(t *testing.T) {
	vars := map[string]string{"CW_SITE": "api-eu.myconnectwise.net", "CW_COMPANY_ID": "acme", "CW_PUBLIC_KEY": "pub",
		"CW_PRIVATE_KEY": "priv", "CW_CLIENT_ID": "cid"}
	psa, err := PSAConfig(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	psa.Close() // nothing to stop: must not panic
	want := connectwise.Config{Site: "api-eu.myconnectwise.net", CompanyID: "acme", PublicKey: "pub", PrivateKey: "priv", ClientID: "cid"}
	if psa.Simulated() || psa.Config != want {
		t.Fatalf("got %v", psa.Config)
	}
}

func TestPSAConfigNamesTheMissingVariables(t *testing.T) {
	_, err := PSAConfig(env(map[string]string{"CW_SITE": "api-eu.myconnectwise.net", "CW_PRIVATE_KEY": "priv"}))
	if err == nil || !strings.HasSuffix(err.Error(), "missing: CW_COMPANY_ID, CW_PUBLIC_KEY, CW_CLIENT_ID") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "priv") {
		t.Error("the error shows the private key")
	}
}

func TestPSAConfigNamesTheBadVariableWithoutItsValue(t *testing.T) {
	vars := map[string]string{"CW_SITE": "api-eu.myconnectwise.net", "CW_COMPANY_ID": "acme", "CW_PUBLIC_KEY": "pub",
		"CW_PRIVATE_KEY": "secret-with-newline\n", "CW_CLIENT_ID": "cid"}
	_, err := PSAConfig(env(vars))
	var ce *connectwise.ConfigError
	if !errors.As(err, &ce) || ce.Field != "PrivateKey" || !strings.HasPrefix(err.Error(), "CW_PRIVATE_KEY: ") {
		t.Fatalf("err = %v, want a ConfigError for PrivateKey named as CW_PRIVATE_KEY", err)
	}
	if strings.Contains(err.Error(), "secret-with-newline") {
		t.Error("the error shows the private key")
	}
}

func TestAllOrNone(t *testing.T) {
	for _, tc := range []struct {
		vars    map[string]string
		all     bool
		wantErr string
	}{
		{nil, false, ""},
		{map[string]string{"A": "1", "B": "2"}, true, ""},
		{map[string]string{"B": "2"}, false, "set all of A, B for the real services, or none for the simulators; missing: A"},
	} {
		all, err := AllOrNone(env(tc.vars), "A", "B")
		if all != tc.all || (err == nil) != (tc.wantErr == "") || err != nil && err.Error() != tc.wantErr {
			t.Errorf("AllOrNone(%v) = %v, %v; want %v, %q", tc.vars, all, err, tc.all, tc.wantErr)
		}
	}
}

func TestStateFile(t *testing.T) {
	named := filepath.Join(t.TempDir(), "kept.db")
	if err := os.WriteFile(named, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	got, remove, err := StateFile(named, "ex")
	if err != nil || got != named {
		t.Fatalf("StateFile(%q) = %q, %v", named, got, err)
	}
	remove()
	if _, err := os.Stat(named); err != nil {
		t.Errorf("a named state file was removed: %v", err)
	}

	tmp, remove, err := StateFile("", "ex")
	if err != nil || filepath.Base(tmp) != "state.db" || !strings.HasPrefix(filepath.Base(filepath.Dir(tmp)), "ex-") {
		t.Fatalf("StateFile(\"\") = %q, %v", tmp, err)
	}
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	remove()
	if _, err := os.Stat(filepath.Dir(tmp)); !os.IsNotExist(err) {
		t.Errorf("the temporary directory outlived remove: %v", err)
	}
}
