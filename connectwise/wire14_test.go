package connectwise_test

import (
	"context"
	"errors"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
)

// The PSA names the flag noEndingDateFlag (connectwise/WIREFACTS.md §3); the seeded
// agreements have it set, so a wrong tag decodes every agreement as ending.
func TestAgreementNoEndingDateFlag(t *testing.T) {
	_, c := newSim(t)
	ags, _, err := c.Agreements.List(context.Background(), nil)
	if err != nil || len(ags) == 0 {
		t.Fatalf("list: %d %v", len(ags), err)
	}
	for _, ag := range ags {
		if !ag.NoEnding {
			t.Errorf("agreement %d %q: NoEnding false, the simulator serves noEndingDateFlag=true", ag.ID, ag.Name)
		}
	}
}

// Boards.Create refuses a board the PSA would refuse, before sending it;
// Member.BoardDefaults gives what to use.
func TestBoardCreateNeedsLocationAndDepartment(t *testing.T) {
	srv, c := newSim(t)
	ctx := context.Background()
	srv.ResetRequests()
	for _, b := range []*connectwise.Board{nil, {Name: "x"}, {Name: "x", Location: connectwise.Ref{ID: 1}}} {
		var be *connectwise.BoardError
		if _, _, err := c.Boards.Create(ctx, b); !errors.As(err, &be) {
			t.Errorf("Create(%+v) = %v, want *BoardError", b, err)
		}
	}
	if n := srv.CountRequests("POST", "/service/boards"); n != 0 {
		t.Errorf("%d invalid boards sent", n)
	}
	me, _, err := c.System.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	loc, dep := me.BoardDefaults()
	if loc.ID != 1 || dep.ID != 2 {
		t.Fatalf("BoardDefaults = %+v %+v, want the service department 2 and the general location 1", loc, dep)
	}
	b, _, err := c.Boards.Create(ctx, &connectwise.Board{Name: "Placed", Location: loc, Department: dep})
	if err != nil || b.Department.ID != 2 {
		t.Fatalf("create with defaults: %+v %v", b, err)
	}
}
