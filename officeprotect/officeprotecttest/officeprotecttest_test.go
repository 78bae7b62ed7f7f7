package officeprotecttest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/officeprotect"
	"github.com/psabridge/psabridge/officeprotect/officeprotecttest"
)

func TestSourceEventsSinceIsInclusiveAndOrdered(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 5, 4, 12, 0, 0, 0, time.UTC)
	s := officeprotecttest.NewSource()
	s.Add(
		officeprotect.Event{ID: "c", TriggeredAt: t0.Add(time.Minute)},
		officeprotect.Event{ID: "a", TriggeredAt: t0},
		officeprotect.Event{ID: "old", TriggeredAt: t0.Add(-time.Nanosecond)},
	)
	s.Add(officeprotect.Event{ID: "c", Title: "updated", TriggeredAt: t0.Add(time.Minute)})
	got, err := s.Events(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a" || got[1].ID != "c" || got[1].Title != "updated" {
		t.Fatalf("events %+v", got)
	}
	boom := errors.New("down")
	s.InjectFault(boom)
	if _, err := s.Events(ctx, t0); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.Tenants(ctx); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	if s.Calls() != 3 {
		t.Fatalf("calls = %d", s.Calls())
	}
}

func TestSourceTenants(t *testing.T) {
	s := officeprotecttest.NewSource()
	s.AddTenant(officeprotect.Tenant{ID: "t1", Name: "One", Active: true})
	s.AddTenant(officeprotect.Tenant{ID: "t1", Name: "One renamed", Active: true})
	if !s.SetTenantActive("t1", false) || s.SetTenantActive("nope", true) {
		t.Fatal("SetTenantActive result")
	}
	got, _ := s.Tenants(context.Background())
	if len(got) != 1 || got[0].Name != "One renamed" || got[0].Active {
		t.Fatalf("tenants %+v", got)
	}
	got[0].Name = "mutated"
	if again, _ := s.Tenants(context.Background()); again[0].Name != "One renamed" {
		t.Fatal("Tenants returned the source's own slice")
	}
}

func TestRecorder(t *testing.T) {
	var r officeprotecttest.Recorder
	ctx := context.Background()
	if a := r.Alerts(); a == nil || len(a) != 0 {
		t.Fatalf("Alerts before any = %#v, want empty, not nil", a)
	}
	srv := officeprotecttest.NewSMTPServer()
	defer srv.Close()
	if m := srv.Messages(); m == nil || len(m) != 0 {
		t.Fatalf("Messages before any = %#v, want empty, not nil", m)
	}
	if err := r.Notify(ctx, officeprotect.Alert{Subject: "one"}); err != nil {
		t.Fatal(err)
	}
	r.InjectFault(errors.New("smtp down"))
	if err := r.Notify(ctx, officeprotect.Alert{Subject: "two"}); err == nil {
		t.Fatal("Fail ignored")
	}
	r.ClearFaults()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := r.Notify(cancelled, officeprotect.Alert{Subject: "three"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if a := r.Alerts(); len(a) != 1 || a[0].Subject != "one" {
		t.Fatalf("alerts %+v", a)
	}
}

func TestSMTPServerRequiresAuthWhenConfigured(t *testing.T) {
	srv := officeprotecttest.NewSMTPServer(officeprotecttest.WithSMTPAuth("u", "p"))
	defer srv.Close()
	n, err := officeprotect.NewSMTPNotifier(officeprotect.SMTPConfig{Host: srv.Host, Port: srv.Port, From: "a@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(context.Background(), officeprotect.Alert{To: "b@example.com", Subject: "s", Body: "b"}); err == nil {
		t.Fatal("unauthenticated mail accepted")
	}
	if len(srv.Messages()) != 0 {
		t.Fatal("message stored")
	}
}

func TestNewIntegrationRunsOnThePSAItIsGiven(t *testing.T) {
	psa := cwtest.NewServer()
	defer psa.Close()
	src := officeprotecttest.NewSource()
	src.AddTenant(officeprotect.Tenant{ID: "t-acme", Name: "Acme Corp", Active: true})
	in, err := officeprotecttest.NewIntegration(psa.Config(), src, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := in.CheckConnection(ctx); err != nil {
		t.Fatalf("CheckConnection against the simulator: %v", err)
	}
	// The tenant comes from src and the company from psa; the mapping is
	// kept in the integration's store.
	company := psa.Companies()[0]
	if err := in.SetMapping(ctx, "t-acme", company.ID, true); err != nil {
		t.Fatal(err)
	}
	if ms, err := in.Mappings(ctx); err != nil || len(ms) != 1 || ms[0].Company.ID != company.ID {
		t.Fatalf("Mappings = %+v, %v", ms, err)
	}

	// A PSA setting is refused by the client, before the flow is built.
	cfg := psa.Config()
	cfg.Site = "http://na.myconnectwise.net"
	in, err = officeprotecttest.NewIntegration(cfg, src, nil)
	var ce *connectwise.ConfigError
	if in != nil || !errors.As(err, &ce) || ce.API != "connectwise" || ce.Field != "Site" {
		t.Fatalf("bad Site: %v, %v; want the client's ConfigError on Site", in, err)
	}
}
