package main

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/internal/testbody"
)

func TestSandboxServesEveryAPIAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &testbody.Buffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, "127.0.0.1:0", true, out, ready) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for sc.Scan() {
		if kv, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
	}
	for _, k := range []string{"CW_SITE", "CW_COMPANY_ID", "CW_PUBLIC_KEY", "CW_PRIVATE_KEY", "CW_CLIENT_ID", "INFIMA_API_KEY", "HEIMDAL_API_KEY", "ASIO_CLIENT_ID", "ASIO_CLIENT_SECRET"} {
		if env[k] == "" {
			t.Errorf("no export line for %s", k)
		}
	}
	c, err := connectwise.NewClient(connectwise.Config{Site: env["CW_SITE"], CompanyID: env["CW_COMPANY_ID"], PublicKey: env["CW_PUBLIC_KEY"], PrivateKey: env["CW_PRIVATE_KEY"], ClientID: env["CW_CLIENT_ID"]})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.System.Info(ctx); err != nil {
		t.Fatalf("PSA through the sandbox: %v", err)
	}
	tickets, _, err := c.Tickets.List(ctx, &connectwise.ListOptions{Conditions: connectwise.Where("closedFlag = ?", false)})
	if err != nil || len(tickets) != len(openTickets) {
		t.Fatalf("open tickets: %d, %v; want %d", len(tickets), err, len(openTickets))
	}
	ic, err := infima.NewClient(env["INFIMA_API_KEY"], infima.WithBaseURL(env["INFIMA_BASE_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ic.Partner.Get(ctx); err != nil {
		t.Fatalf("INFIMA through the sandbox: %v", err)
	}
	// -v printed a line per request, with no credential in it.
	printed := out.String()
	for _, want := range []string{"psa     GET    /v2025_1/apis/3.0/system/info 200", "psa     GET    /v2025_1/apis/3.0/service/tickets 200", "infima  GET    /v1/partner 200"} {
		if !strings.Contains(printed, want) {
			t.Errorf("no request line %q in:\n%s", want, printed)
		}
	}
	_, log, _ := strings.Cut(printed, "# Serving until Ctrl-C.")
	for _, secret := range []string{env["CW_PRIVATE_KEY"], env["INFIMA_API_KEY"], env["HEIMDAL_API_KEY"], env["ASIO_CLIENT_SECRET"]} {
		if strings.Contains(log, secret) {
			t.Errorf("the request log prints a secret")
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v on cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop on cancel")
	}
	if _, err := http.Get(env["CW_SITE"] + "/login/companyinfo/x"); err == nil {
		t.Fatal("the PSA simulator still answers after shutdown")
	}
}

func TestSandboxRefusesNonLoopback(t *testing.T) {
	if err := serve(context.Background(), "0.0.0.0:18080", false, &testbody.Buffer{}, nil); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("err = %v", err)
	}
}
