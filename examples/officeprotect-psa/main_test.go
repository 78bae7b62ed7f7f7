package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/examples/internal/exampletest"
)

// runWith adapts run to exampletest: write is the -write flag, and the
// walk-through's summary lands in *sum.
func runWith(write bool, sum **summary) exampletest.RunFunc {
	return func(ctx context.Context, out io.Writer, getenv func(string) string) error {
		s, err := run(ctx, out, getenv, write)
		*sum = s
		return err
	}
}

func TestWalkThroughOnSimulators(t *testing.T) {
	var sum *summary
	out := exampletest.Run(t, runWith(false, &sum), nil)
	if !sum.Simulated || sum.Backfilled != 3 || sum.BackfillSkipped != 2 || sum.LiveCreated != 2 || sum.DuplicatesQuiet != 2 ||
		sum.Alerts != 1 || sum.AlertRuns != 3 || sum.Recovered != 2 || !sum.Resumed {
		t.Errorf("summary %+v\n%s", sum, out)
	}
	want := map[string]int{"t-acme": 4, "t-globex": 3, "t-initech": 0, "t-contoso": 0}
	for tenant, n := range want {
		if sum.TicketsPerTenant[tenant] != n {
			t.Errorf("tenant %s: %d tickets, want %d", tenant, sum.TicketsPerTenant[tenant], n)
		}
	}
	exampletest.Contains(t, out,
		`"Closed" refused`, "closed status", "must be a bare address", "API member's default service board",
		"evt-0999, 49 h old, is not included", "Subject: Office Protect → ConnectWise integration broken: permission removed",
		"active failures: 0", "Contoso Ltd          no matching PSA company",
		"resumed from the stored watermark; nothing was done twice", "(process restarted)\n        run 3 failed: already alerted, no new email",
	)
	// The newcomer review saw a Go struct dump here.
	if strings.Contains(out, "Integration{") || strings.Contains(out, "Client{") {
		t.Errorf("output prints a Go struct:\n%s", out)
	}
	probe := cwtest.NewServer()
	defer probe.Close()
	if strings.Contains(out, "example-only-password") || strings.Contains(out, probe.Config().PrivateKey) {
		t.Error("a secret was printed")
	}
}

func TestRealPSAModeStopsBeforeWritingUnlessAsked(t *testing.T) {
	realPSAOptions = []connectwise.Option{connectwise.WithRateLimit(0, 1)}
	defer func() { realPSAOptions = nil }()
	srv := cwtest.NewServer()
	defer srv.Close()
	var sum *summary
	out := exampletest.Run(t, runWith(false, &sum), exampletest.PSAEnv(srv, nil))
	if sum.Simulated || len(srv.Tickets()) != 0 || !strings.Contains(out, "Run again with -write") {
		t.Fatalf("wrote %d tickets without -write\n%s", len(srv.Tickets()), out)
	}

	out = exampletest.Run(t, runWith(true, &sum), exampletest.PSAEnv(srv, nil))
	if sum.Backfilled != 3 || sum.LiveCreated != 2 || sum.Alerts != 0 || len(srv.Tickets()) != 5 {
		t.Fatalf("summary %+v, %d tickets\n%s", sum, len(srv.Tickets()), out)
	}
}

func TestBadCredentialsInEnvironmentFail(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	env := exampletest.PSAEnv(srv, map[string]string{"CW_PRIVATE_KEY": srv.Config().PrivateKey + " "})
	var sum *summary
	_, err := exampletest.Fail(t, runWith(false, &sum), env)
	if !strings.HasPrefix(err.Error(), "CW_PRIVATE_KEY: ") || strings.Contains(err.Error(), srv.Config().PrivateKey) {
		t.Fatalf("err = %v", err)
	}
}
