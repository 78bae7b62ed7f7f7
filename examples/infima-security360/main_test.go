package main

import (
	"strings"
	"testing"

	"github.com/psabridge/psabridge/examples/internal/exampletest"
	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/security360test"
)

// Without variables the walk-through runs on the INFIMA and Asio
// simulators: bad settings refused, mappings saved, a sync stopped halfway
// and resumed without a second delivery.
func TestRunOnSimulators(t *testing.T) {
	exampletest.Prints(t, run, nil,
		"embedded simulator",
		"[url-not-https] ServerURL", "[key-whitespace] APIKey",
		`connected as partner "Northwind Managed IT"`,
		"APIKey:[REDACTED]",
		// Mapping: a suggestion, the ambiguous client.
		"Blue Ridge Logistics, Inc. / Blue Ridge Logistics  1.00",
		"Chosen by hand: Summit Family Medicine",
		"Saved 7 mappings in the store", "5 INFIMA clients left unmapped",
		// The stopped sync and the resumed one.
		"7 created, 0 updated, 0 closed, 0 unchanged",
		"stopped, 4 clients not attempted",
		"store is held by another process",
		"Check Delivery state   granted  7 categories delivered",
		"infima-security360: resumed, 11 created, 0 updated, 0 closed, 7 unchanged",
		"Delivered twice: 0 of 18 deliveries.",
		"Summit Family Medicine / Summit North Clinic       20",
		"0 created, 1 updated, 0 closed, 17 unchanged",
	)
}

// The environment examples/sandbox prints: INFIMA and Asio at loopback
// URLs, treated as real services.
func TestRunWithSandboxEnvironment(t *testing.T) {
	inf := infimatest.NewServer()
	defer inf.Close()
	asio := security360test.NewServer()
	defer asio.Close()
	co := asio.AddCompany("Blue Ridge Logistics")
	site, _ := asio.AddSite(co.ID, "Blue Ridge Logistics")
	env := map[string]string{
		"INFIMA_BASE_URL": inf.URL, "INFIMA_API_KEY": inf.APIKey(),
		"ASIO_BASE_URL": asio.URL, "ASIO_CLIENT_ID": asio.Credentials().ClientID, "ASIO_CLIENT_SECRET": asio.Credentials().ClientSecret,
	}
	exampletest.Prints(t, run, env, "INFIMA: "+inf.URL, "Asio:   "+asio.URL, "Saved 1 mappings in the store", "stopped, 1 clients not attempted",
		"11 INFIMA clients left unmapped", "resumed, 2 created, 0 updated, 0 closed, 1 unchanged", "Delivered twice: 0 of 3")
	if s, _ := asio.Site(co.ID, site.ID); len(s.ExternalIDs) != 0 {
		t.Errorf("mappings written to Asio: %+v", s.ExternalIDs)
	}
}

func TestRunStopsOnABadConfiguredKey(t *testing.T) {
	inf := infimatest.NewServer()
	defer inf.Close()
	env := map[string]string{"INFIMA_BASE_URL": inf.URL, "INFIMA_API_KEY": inf.APIKey() + " "}
	_, err := exampletest.Fail(t, run, env)
	if !strings.Contains(err.Error(), "APIKey: has trailing whitespace (a space)") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), inf.APIKey()) {
		t.Error("the error shows the key")
	}
	if len(inf.Requests()) != 0 {
		t.Errorf("a key with whitespace was sent (%d requests)", len(inf.Requests()))
	}
}
