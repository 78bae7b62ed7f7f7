package psasync_test

import (
	"context"
	"testing"

	"github.com/psabridge/psabridge/heimdal/psasync"
)

// The PSA requires a location and a department on a new board. The
// simulator's API member has a service default department (2) that no
// existing board uses, so a board placed like an existing one would be in
// department 1.
func TestProvisionedBoardsUseTheMembersDefaults(t *testing.T) {
	e := newSavedEnv(t)
	if _, err := e.in.ProvisionBoards(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, hb := range psasync.Boards() {
		b := e.board(t, hb.String())
		if b.Location == nil || b.Location.ID != 1 || b.Department == nil || b.Department.ID != 2 {
			t.Errorf("%s: location %+v department %+v, want the member's defaults 1 and 2", hb, b.Location, b.Department)
		}
	}
}
