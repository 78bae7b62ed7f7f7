package flow_test

import (
	"context"
	"errors"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/flow"
)

func TestCheckReportItem(t *testing.T) {
	rep := &flow.CheckReport{Flow: "f", Items: []flow.CheckItem{
		{Name: "connection", Status: flow.Granted},
		{Name: "Boards[0].Status", Status: flow.Missing, Detail: "no such status"},
	}}
	if it, ok := rep.Item("Boards[0].Status"); !ok || it.Status != flow.Missing || it.Detail != "no such status" {
		t.Errorf("Item(Boards[0].Status) = %+v, %v", it, ok)
	}
	if it, ok := rep.Item("connection"); !ok || it.Status != flow.Granted {
		t.Errorf("Item(connection) = %+v, %v", it, ok)
	}
	if it, ok := rep.Item("mappings"); ok || it != (flow.CheckItem{}) {
		t.Errorf("Item(mappings) = %+v, %v; want none", it, ok)
	}
}

func TestCheckReportAddAccess(t *testing.T) {
	right := func(fn string, st connectwise.AccessStatus, optional bool) connectwise.AccessCheck {
		return connectwise.AccessCheck{Module: "Service Desk", Function: fn, Right: connectwise.RightAdd,
			Status: st, Optional: optional, Impact: "lost without " + fn}
	}
	rep := &flow.CheckReport{Flow: "f"}
	rep.AddAccess(
		right("Service Tickets", connectwise.AccessGranted, false),
		right("Close Service Tickets", connectwise.AccessMissing, false),
		right("Table Setup", connectwise.AccessMissing, true),
		right("Notes", connectwise.AccessUnknown, false),
	)
	for name, want := range map[string]flow.CheckItem{
		"Service Desk / Service Tickets: Add":       {Status: flow.Granted},
		"Service Desk / Close Service Tickets: Add": {Status: flow.Missing, Lost: "lost without Close Service Tickets"},
		"Service Desk / Table Setup: Add":           {Status: flow.Warning, Lost: "lost without Table Setup"},
		"Service Desk / Notes: Add":                 {Status: flow.Unknown, Lost: "lost without Notes"},
	} {
		it, ok := rep.Item(name)
		if !ok || it.Status != want.Status || it.Lost != want.Lost || it.Detail == "" {
			t.Errorf("%s = %+v, %v; want %s losing %q, with a detail", name, it, ok, want.Status, want.Lost)
		}
	}
	if rep.OK() {
		t.Error("a missing required right passes")
	}
}

func TestCheckReportAddConnection(t *testing.T) {
	rep := &flow.CheckReport{}
	ctx, cancel := context.WithCancel(t.Context())
	if !rep.AddConnection(ctx, "PSA connection", nil, func() string { return "ConnectWise PSA 2025.1" }, "") {
		t.Fatal("a working connection stops the check")
	}
	answerless := func() string { t.Error("granted read the answer of a failed test"); return "" }
	if !rep.AddConnection(ctx, "Test Connection", errors.New("401 Unauthorized"), answerless, "nothing is delivered") {
		t.Fatal("a refused connection stops the check")
	}
	cancel()
	if rep.AddConnection(ctx, "cut short", context.Canceled, answerless, "x") {
		t.Error("a test cut short by ctx lets the check go on")
	}
	want := []flow.CheckItem{
		{Name: "PSA connection", Status: flow.Granted, Detail: "ConnectWise PSA 2025.1"},
		{Name: "Test Connection", Status: flow.Missing, Detail: "401 Unauthorized", Lost: "nothing is delivered"},
	}
	if len(rep.Items) != len(want) || rep.Items[0] != want[0] || rep.Items[1] != want[1] {
		t.Errorf("items = %+v, want %+v", rep.Items, want)
	}
}
