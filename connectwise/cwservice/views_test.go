package cwservice_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
	"github.com/psabridge/psabridge/connectwise/cwservice"
)

func TestTicketViewRoundTrip(t *testing.T) {
	id, summary, board, closed, when := int32(12), "Disk full", int32(3), "2026-11-30T10:00:00Z", time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	full := &cwmodel.Ticket{ID: &id, Summary: &summary, Board: &cwmodel.BoardReference{ID: &board}, ClosedDate: &closed, RequiredDate: &when,
		Info: cwmodel.RecordInfo{"lastUpdated": "2026-12-01T09:00:00Z", "updatedBy": "api"}}
	v, err := cwservice.TicketView(full)
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != 12 || v.Summary != summary || v.Board.ID != 3 || !v.RequiredDate.Equal(when) ||
		v.ClosedDate.Format(time.RFC3339) != closed || v.Info == nil || v.Info.UpdatedBy != "api" || v.Info.LastUpdated.IsZero() {
		t.Fatalf("view %+v", v)
	}

	// What the view leaves zero stays unset, so a create from it sends
	// only what the caller set.
	back, err := cwservice.TicketFromView(connectwise.Ticket{Summary: "New", Company: connectwise.Ref{ID: 7}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(back)
	if string(b) != `{"summary":"New","company":{"id":7}}` {
		t.Errorf("full model sends %s", b)
	}

	bad := "yesterday"
	if _, err := cwservice.TicketView(&cwmodel.Ticket{ClosedDate: &bad}); err == nil {
		t.Error("a closedDate that is not a date was accepted")
	}
}
