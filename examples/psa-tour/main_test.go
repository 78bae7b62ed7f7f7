package main

import (
	"maps"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/examples/internal/exampletest"
)

// README's first command: the tour on the embedded simulator, from the
// connection check to a closed ticket.
func TestTourOnSimulator(t *testing.T) {
	exampletest.Prints(t, run, nil, "embedded PSA simulator", "Service Tickets: Add = All (granted)", "Service Desk", "created", "closedFlag=true")
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

// A bad or missing variable stops the tour before it prints or sends
// anything, and the error names the variable (exampleenv's tests cover
// the message in full).
func TestTourStopsOnBadVariables(t *testing.T) {
	good := map[string]string{"CW_SITE": "api-na.myconnectwise.net", "CW_COMPANY_ID": "x", "CW_PUBLIC_KEY": "p", "CW_PRIVATE_KEY": "k", "CW_CLIENT_ID": "c"}
	for name, tc := range map[string]struct{ key, value, want string }{
		"plain http": {"CW_SITE", "http://na.myconnectwise.net", "CW_SITE: "},
		"missing":    {"CW_CLIENT_ID", "", "missing: CW_CLIENT_ID"},
	} {
		env := maps.Clone(good)
		env[tc.key] = tc.value
		out, err := exampletest.Fail(t, run, env)
		if !strings.Contains(err.Error(), tc.want) || out != "" {
			t.Errorf("%s: err = %v, output %q", name, err, out)
		}
	}
}
