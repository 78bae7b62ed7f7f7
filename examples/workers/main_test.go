package main

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/examples/internal/exampletest"
	"github.com/psabridge/psabridge/internal/redistest"
	"github.com/psabridge/psabridge/internal/scaleout"
)

// TestMain lets scaleout re-execute this test binary as a worker, as it
// re-executes the program.
func TestMain(m *testing.M) {
	if scaleout.ChildMain() {
		return
	}
	os.Exit(m.Run())
}

// Two workers on one shared budget file every alert once, within the
// PSA's limit.
func TestWorkersShareTheBudget(t *testing.T) {
	t.Setenv("PSABRIDGE_REDIS_ADDR", redistest.Addr(t))
	var out bytes.Buffer
	if err := run(t.Context(), &out, []string{"-workers", "2", "-rate", "100", "-alerts", "5"}); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	exampletest.Contains(t, out.String(), "2 workers, PSA limit 100 req/s, one budget shared through Redis",
		"aggregate: ", "tickets: 10 for 10 alerts, 0 duplicates, 0 missing")
}

func TestWorkersRejectsBadFlagsBeforeStarting(t *testing.T) {
	for _, args := range [][]string{{"-workers", "0"}, {"-rate", "0"}, {"-alerts", "-1"}} {
		var out bytes.Buffer
		err := run(t.Context(), &out, args)
		if err == nil || !strings.Contains(err.Error(), "need -workers >= 1") || strings.Contains(out.String(), "workers, PSA limit") {
			t.Errorf("%v: err = %v, output %q", args, err, out.String())
		}
	}
}
