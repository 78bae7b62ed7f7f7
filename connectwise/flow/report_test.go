package flow_test

import (
	"testing"

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
