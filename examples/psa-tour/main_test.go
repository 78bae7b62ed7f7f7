package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/examples/internal/exampletest"
)

func TestTourOnSimulator(t *testing.T) {
	out := exampletest.Run(t, run, nil)
	exampletest.Contains(t, out, "embedded PSA simulator", "Service Tickets: Add = All (granted)", "Service Desk", "created", "closedFlag=true")
}

// The sandbox's environment names a simulator as a real PSA: the tour
// runs the same, without starting a simulator of its own.
func TestTourWithCredentials(t *testing.T) {
	sim := cwtest.NewServer()
	defer sim.Close()
	out := exampletest.Run(t, run, exampletest.PSAEnv(sim, nil))
	if strings.Contains(out, "embedded PSA simulator") {
		t.Error("started its own simulator despite the CW_* variables")
	}
	exampletest.Contains(t, out, "API member", "closedFlag=true")
	if len(sim.Tickets()) == 0 {
		t.Error("no ticket created on the PSA the variables name")
	}
}

func TestTourRejectsBadCredentialsBeforeSending(t *testing.T) {
	env := map[string]string{"CW_SITE": "http://na.myconnectwise.net", "CW_COMPANY_ID": "x", "CW_PUBLIC_KEY": "p", "CW_PRIVATE_KEY": "secret-k", "CW_CLIENT_ID": "c"}
	_, err := exampletest.Fail(t, run, env)
	var ce *connectwise.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Site" || !strings.HasPrefix(err.Error(), "CW_SITE: ") {
		t.Fatalf("err = %v, want a ConfigError for Site named as CW_SITE", err)
	}
	if strings.Contains(err.Error(), "secret-k") {
		t.Error("the error shows the private key")
	}
}

func TestTourNamesAMissingVariable(t *testing.T) {
	_, err := exampletest.Fail(t, run, map[string]string{"CW_SITE": "api-na.myconnectwise.net", "CW_COMPANY_ID": "x"})
	if err == nil || !strings.HasSuffix(err.Error(), "missing: CW_PUBLIC_KEY, CW_PRIVATE_KEY, CW_CLIENT_ID") {
		t.Fatalf("err = %v", err)
	}
}
