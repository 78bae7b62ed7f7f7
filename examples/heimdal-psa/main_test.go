package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/examples/internal/exampletest"
)

// On the simulators the example walks setup, three syncs and a restart,
// and prints each step's result.
func TestRunSimulatedWholeFlow(t *testing.T) {
	got := exampletest.Prints(t, run, nil,
		"on the embedded simulators",
		"connected: ConnectWise PSA",
		"17 rights checked, 0 missing",
		"Heimdal Operations           created board, 3 statuses, 7 types, 7 subtypes",
		"Umbrella Corporation   → Umbrella Health (Umbrella)",
		"Zorgon Dynamics ApS    → no matching PSA company",
		"4 customers mapped",
		"Heimdal Operations           3/3 200103/MU/",
		"Heimdal Operations           1/1 200101/DISK/",
		"read back: settings for company",
		"3 boards configured, 4 customers mapped",
		"resumed: 0 created, 0 updated, 0 closed, 6 unchanged: nothing was done twice",
		`"[DISK] ACME-WS01: Low disk space" is now Closed`,
	)
	// The first Sync files 3 + 2 + 2 tickets; the second closes the cleared
	// Operations ticket and leaves Cyber Alerts and M365 alone; the one
	// after the restart writes nothing.
	tables := strings.Split(got, "  Board ")
	if len(tables) != 4 {
		t.Fatalf("%d summary tables, want 3:\n%s", len(tables)-1, got)
	}
	first, second, third := fields(tables[1]), fields(tables[2]), fields(tables[3])
	for board, want := range map[string]string{
		"Operations": "2 0 0 0 0 2 0 0 yes", "Cyber": "2 0 0 0 0 2 0 0 never", "M365": "2 0 0 0 0 2 0 0 never",
	} {
		if third[board] != want {
			t.Errorf("sync after the restart, %s: %q, want %q", board, third[board], want)
		}
	}
	for board, want := range map[string]string{
		"Operations": "3 3 0 0 0 0 0 0 yes", "Cyber": "2 2 0 0 0 0 0 0 never", "M365": "2 2 0 0 0 0 0 0 never",
	} {
		if first[board] != want {
			t.Errorf("first sync, %s: %q, want %q", board, first[board], want)
		}
	}
	for board, want := range map[string]string{
		"Operations": "2 0 0 0 1 2 0 0 yes", "Cyber": "2 0 0 0 0 2 0 0 never", "M365": "2 0 0 0 0 2 0 0 never",
	} {
		if second[board] != want {
			t.Errorf("second sync, %s: %q, want %q", board, second[board], want)
		}
	}
	if strings.Contains(got, "problem:") || strings.Contains(got, "Zorgon Dynamics ApS (") {
		t.Errorf("unexpected problem in output:\n%s", got)
	}
	if strings.Contains(got, "private") && !strings.Contains(got, "private key ********") {
		t.Error("output mentions a private key")
	}
}

// fields maps each board row of a summary table to its counts.
func fields(table string) map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(table, "\n") {
		f := strings.Fields(line)
		if len(f) < 11 || f[0] != "Heimdal" {
			continue
		}
		name := f[1]
		if name == "Cyber" || name == "M365" || name == "Operations" {
			out[name] = strings.Join(f[len(f)-9:], " ")
		}
	}
	return out
}

func TestRunSimulatedIsDeterministic(t *testing.T) {
	a, b := exampletest.Run(t, run, nil), exampletest.Run(t, run, nil)
	if a != b {
		t.Errorf("two runs printed differently:\n%s\n---\n%s", a, b)
	}
}

func TestRunRefusesPartialCredentials(t *testing.T) {
	env := map[string]string{"HEIMDAL_API_KEY": "k", "CW_SITE": "api-eu.myconnectwise.net"}
	out, err := exampletest.Fail(t, run, env)
	if !strings.Contains(err.Error(), "missing: HEIMDAL_CUSTOMER_ID, CW_COMPANY_ID, CW_PUBLIC_KEY, CW_PRIVATE_KEY, CW_CLIENT_ID") {
		t.Fatalf("run with half the credentials = %v", err)
	}
	if out != "" {
		t.Errorf("ran something anyway:\n%s", out)
	}
}

func TestRunRealChecksSettingsBeforeAnyCall(t *testing.T) {
	env := map[string]string{
		"HEIMDAL_API_KEY": "heimdal-key", "HEIMDAL_CUSTOMER_ID": "200000",
		// Plain http to a public host is refused before anything is sent.
		"CW_SITE": "http://psa.example.com", "CW_COMPANY_ID": "acme",
		"CW_PUBLIC_KEY": "pub", "CW_PRIVATE_KEY": "secret-private", "CW_CLIENT_ID": "cid",
	}
	out, err := exampletest.Fail(t, run, env)
	var ce *connectwise.ConfigError
	if !errors.As(err, &ce) || ce.Field != "Site" {
		t.Fatalf("run = %v, want a ConfigError for Site", err)
	}
	if !strings.Contains(out, "on the real services") || strings.Contains(out+err.Error(), "secret-private") {
		t.Errorf("output:\n%s", out)
	}
}
