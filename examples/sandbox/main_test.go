package main

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/infima"
)

// safeBuffer lets the test read what serve prints while it runs.
type safeBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestSandboxServesEveryAPIAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	out := &safeBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, "127.0.0.1:0", out, ready) }()
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
	ic, err := infima.NewClient(env["INFIMA_API_KEY"], infima.WithBaseURL(env["INFIMA_BASE_URL"]))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ic.Partner.Get(ctx); err != nil {
		t.Fatalf("INFIMA through the sandbox: %v", err)
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
	if err := serve(context.Background(), "0.0.0.0:18080", &safeBuffer{}, nil); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("err = %v", err)
	}
}
