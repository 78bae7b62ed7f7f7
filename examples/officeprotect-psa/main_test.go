package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
)

func noEnv(string) string { return "" }

func TestWalkThroughOnSimulators(t *testing.T) {
	var out bytes.Buffer
	sum, err := run(context.Background(), &out, noEnv, false)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !sum.Simulated || sum.Backfilled != 3 || sum.BackfillSkipped != 2 || sum.LiveCreated != 2 || sum.DuplicatesQuiet != 2 ||
		sum.Alerts != 1 || sum.AlertRuns != 3 || sum.Recovered != 2 || !sum.Resumed {
		t.Errorf("summary %+v\n%s", sum, out.String())
	}
	want := map[string]int{"t-acme": 4, "t-globex": 3, "t-initech": 0, "t-contoso": 0}
	for tenant, n := range want {
		if sum.TicketsPerTenant[tenant] != n {
			t.Errorf("tenant %s: %d tickets, want %d", tenant, sum.TicketsPerTenant[tenant], n)
		}
	}
	for _, s := range []string{
		`"Closed" refused`, "closed status", "must be a bare address", "API member's default service board",
		"evt-0999, 49 h old, is not included", "Subject: Office Protect → ConnectWise integration broken: permission removed",
		"active failures: 0", "Contoso Ltd          no matching PSA company",
		"resumed from the stored watermark; nothing was done twice", "(process restarted)\n        run 3 failed: already alerted, no new email",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q", s)
		}
	}
	// The newcomer review saw a Go struct dump here.
	if strings.Contains(out.String(), "Integration{") || strings.Contains(out.String(), "Client{") {
		t.Errorf("output prints a Go struct:\n%s", out.String())
	}
	probe := cwtest.NewServer()
	defer probe.Close()
	if strings.Contains(out.String(), "example-only-password") || strings.Contains(out.String(), probe.Config().PrivateKey) {
		t.Error("a secret was printed")
	}
}

// envFor points the CW_* variables at a simulator, standing in for a real
// PSA.
func envFor(srv *cwtest.Server) func(string) string {
	cfg := srv.Config()
	vars := map[string]string{
		"CW_SITE": cfg.Site, "CW_COMPANY_ID": cfg.CompanyID, "CW_PUBLIC_KEY": cfg.PublicKey,
		"CW_PRIVATE_KEY": cfg.PrivateKey, "CW_CLIENT_ID": cfg.ClientID,
	}
	return func(k string) string { return vars[k] }
}

func TestRealPSAModeStopsBeforeWritingUnlessAsked(t *testing.T) {
	realPSAOptions = []connectwise.Option{connectwise.WithRateLimit(0, 1)}
	defer func() { realPSAOptions = nil }()
	srv := cwtest.NewServer()
	defer srv.Close()
	var out bytes.Buffer
	sum, err := run(context.Background(), &out, envFor(srv), false)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if sum.Simulated || len(srv.Tickets()) != 0 || !strings.Contains(out.String(), "Run again with -write") {
		t.Fatalf("wrote %d tickets without -write\n%s", len(srv.Tickets()), out.String())
	}

	out.Reset()
	sum, err = run(context.Background(), &out, envFor(srv), true)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if sum.Backfilled != 3 || sum.LiveCreated != 2 || sum.Alerts != 0 || len(srv.Tickets()) != 5 {
		t.Fatalf("summary %+v, %d tickets\n%s", sum, len(srv.Tickets()), out.String())
	}
}

func TestBadCredentialsInEnvironmentFail(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	env := envFor(srv)
	_, err := run(context.Background(), &bytes.Buffer{}, func(k string) string {
		if k == "CW_PRIVATE_KEY" {
			return env(k) + " "
		}
		return env(k)
	}, false)
	if err == nil || !strings.Contains(err.Error(), "PrivateKey") {
		t.Fatalf("err = %v", err)
	}
}
