package flowtest_test

import (
	"testing"

	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/flow/flowtest"
)

func TestTicketsGroupsBySourceAndKey(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	xrefs := []string{"src:a/b#0011", "src:a/b#0022", "src:k#with#hash#0033", "other:a/b#0044", "src:no-fingerprint", ""}
	srv.AddTickets(len(xrefs), func(i int, tk *cwtest.Ticket) { tk.ExternalXRef = xrefs[i] })
	got := flowtest.Tickets(srv, "src")
	if len(got) != 2 || len(got["a/b"]) != 2 || len(got["k#with#hash"]) != 1 {
		t.Fatalf("Tickets(src) = %v; want a/b twice and k#with#hash once", got)
	}
}

func TestPSAClientReachesTheSimulator(t *testing.T) {
	srv := cwtest.NewServer()
	defer srv.Close()
	c := flowtest.PSAClient(t, srv)
	if info, _, err := c.System.Info(t.Context()); err != nil || info.Version == "" {
		t.Fatalf("System.Info = %+v, %v", info, err)
	}
}

func TestItemAndWantStatus(t *testing.T) {
	rep := &flow.CheckReport{Flow: "test"}
	rep.Add("PSA connection", flow.Granted, "ok", "")
	rep.Add("Mappings", flow.Warning, "one stale", "one client is not delivered")
	if it := flowtest.WantStatus(t, rep, "Mappings", flow.Warning); it.Lost != "one client is not delivered" {
		t.Errorf("item = %+v", it)
	}
	if it := flowtest.Item(t, rep, "PSA connection"); it.Detail != "ok" {
		t.Errorf("item = %+v", it)
	}
}
