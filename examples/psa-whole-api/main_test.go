package main

import (
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/examples/internal/exampletest"
)

// words joins out's words with single spaces, since tabwriter pads the
// columns with a width that depends on the data.
func words(out string) string { return strings.Join(strings.Fields(out), " ") }

func TestWholeAPIOnSimulator(t *testing.T) {
	out := exampletest.Run(t, run, nil)
	exampletest.Contains(t, words(out),
		"embedded PSA simulator", "Wile Coyote", "created the example contact",
		"ACME-DC01", "Server", "Preferred Channel", `set "Preferred Channel" = "Email"`,
		"verified delivery: contact updated", "by psabridge-api",
	)
}

// With CW_* variables the example treats the PSA as real: pointed at a
// simulator, it finds the contact it created before instead of creating
// another, and without CALLBACK_URL it explains why it skips callbacks.
func TestWholeAPIWithCredentialsIsIdempotentAndSkipsCallbacks(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	env := exampletest.PSAEnv(srv, map[string]string{"CW_EXAMPLE_COMPANY": "Globex"})
	for _, want := range []string{"created the example contact", "found the example contact"} {
		exampletest.Prints(t, run, env, want, "GLOBEX-SRV01", "skipped: a real PSA delivers callbacks only to a URL it can reach")
	}
}
