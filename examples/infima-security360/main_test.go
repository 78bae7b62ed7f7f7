package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/infima/infimatest"
	"github.com/psabridge/psabridge/security360/security360test"
)

func TestRunOnSimulators(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, func(string) string { return "" }); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{
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
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out.String())
	}
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
	var out bytes.Buffer
	if err := run(t.Context(), &out, func(k string) string { return env[k] }); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"INFIMA: " + inf.URL, "Asio:   " + asio.URL, "Saved 1 mappings in the store", "stopped, 1 clients not attempted", "11 INFIMA clients left unmapped", "resumed, 2 created, 0 updated, 0 closed, 1 unchanged", "Delivered twice: 0 of 3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if s, _ := asio.Site(co.ID, site.ID); len(s.ExternalIDs) != 0 {
		t.Errorf("mappings written to Asio: %+v", s.ExternalIDs)
	}
}

func TestRunStopsOnABadConfiguredKey(t *testing.T) {
	inf := infimatest.NewServer()
	defer inf.Close()
	env := map[string]string{"INFIMA_BASE_URL": inf.URL, "INFIMA_API_KEY": inf.APIKey() + " "}
	err := run(t.Context(), &bytes.Buffer{}, func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "APIKey: has trailing whitespace (a space)") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), inf.APIKey()) {
		t.Error("the error shows the key")
	}
	if inf.Requests() != 0 {
		t.Errorf("a key with whitespace was sent (%d requests)", inf.Requests())
	}
}
