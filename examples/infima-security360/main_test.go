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
		// Every diagnosis Test Connection makes, then success.
		"[url-not-https]", "[url-not-exact]", "[key-whitespace]", "[connection-refused]", "[timeout]", "[tls]", "[key-rejected]",
		`connected as partner "Northwind Managed IT"`,
		// Mapping: a suggestion, the ambiguous client, unmapped sites.
		"Blue Ridge Logistics, Inc. / Blue Ridge Logistics  1.00",
		"Chosen by hand: Summit Family Medicine",
		"Unmapped Asio sites", "Saved 7 mappings on the Asio sites",
		// Sync and the Training screen.
		"[7/7] Harbor Point Bakery → Harbor Point Bakery: 0 sent, 3 without data",
		"categories: 18 delivered",
		"Training completion", "Phishing outcomes", "Credentials Submitted", "Upcoming courses",
		"categories: 0 delivered, 18 unchanged",
		"categories: 1 delivered, 17 unchanged",
		// Rotation mid-sync, diagnosis, recovery without resending.
		"Sync stopped: 1 delivered before the stop",
		"Test Connection: [key-rejected] APIKey",
		"Next sync: 7 clients synced (1 with nothing to show yet); categories: 1 delivered",
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
// URLs, treated as real services (no key rotation, mappings in memory).
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
	for _, want := range []string{"INFIMA: " + inf.URL, "Asio:   " + asio.URL, "mappings stay in memory", "Saved 1 mappings in memory", "categories: 3 delivered", "Skipped"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "[key-rejected]") {
		t.Error("a wrong key was sent to a service that is not the embedded simulator")
	}
	if s, _ := asio.Site(co.ID, site.ID); len(s.ExternalIDs) != 0 {
		t.Errorf("mappings written to Asio without ASIO_WRITE_MAPPINGS: %+v", s.ExternalIDs)
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
	if len(inf.Requests()) != 0 {
		t.Errorf("a key with whitespace was sent (%d requests)", len(inf.Requests()))
	}
}
