package psaenv

import (
	"errors"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/examples/internal/exampletest"
)

func TestConfigWithoutVariablesStartsTheSimulator(t *testing.T) {
	psa, err := Config(exampletest.Env(nil))
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

func TestConfigReadsEveryVariable(t *testing.T) {
	vars := map[string]string{"CW_SITE": "api-eu.myconnectwise.net", "CW_COMPANY_ID": "acme", "CW_PUBLIC_KEY": "pub",
		"CW_PRIVATE_KEY": "priv", "CW_CLIENT_ID": "cid"}
	psa, err := Config(exampletest.Env(vars))
	if err != nil {
		t.Fatal(err)
	}
	psa.Close() // nothing to stop: must not panic
	want := connectwise.Config{Site: "api-eu.myconnectwise.net", CompanyID: "acme", PublicKey: "pub", PrivateKey: "priv", ClientID: "cid"}
	if psa.Simulated() || psa.Config != want {
		t.Fatalf("got %v", psa.Config)
	}
}

func TestConfigNamesTheMissingVariables(t *testing.T) {
	_, err := Config(exampletest.Env(map[string]string{"CW_SITE": "api-eu.myconnectwise.net", "CW_PRIVATE_KEY": "priv"}))
	if err == nil || !strings.HasSuffix(err.Error(), "missing: CW_COMPANY_ID, CW_PUBLIC_KEY, CW_CLIENT_ID") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "priv") {
		t.Error("the error shows the private key")
	}
}

func TestConfigNamesTheBadVariableWithoutItsValue(t *testing.T) {
	vars := map[string]string{"CW_SITE": "api-eu.myconnectwise.net", "CW_COMPANY_ID": "acme", "CW_PUBLIC_KEY": "pub",
		"CW_PRIVATE_KEY": "secret-with-newline\n", "CW_CLIENT_ID": "cid"}
	_, err := Config(exampletest.Env(vars))
	var ce *connectwise.ConfigError
	if !errors.As(err, &ce) || ce.Field != "PrivateKey" || !strings.HasPrefix(err.Error(), "CW_PRIVATE_KEY: ") {
		t.Fatalf("err = %v, want a ConfigError for PrivateKey named as CW_PRIVATE_KEY", err)
	}
	if strings.Contains(err.Error(), "secret-with-newline") {
		t.Error("the error shows the private key")
	}
}
