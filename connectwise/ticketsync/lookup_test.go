package ticketsync_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/cwtest"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
)

// TestResolveLooksUpByNameAndID pins the look-up rules of Resolve, now
// served by connectwise.FindOne: names ignore case and surrounding space,
// an ambiguous name or an unknown name or id is a *bridge.ConfigError
// naming the field (and the board) and saying what to do.
func TestResolveLooksUpByNameAndID(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	twin := f.srv.AddBoard(cwtest.Board{Name: "Twin"})
	f.srv.AddStatus(twin.ID, cwtest.BoardStatus{Name: "New"})
	f.srv.AddBoard(cwtest.Board{Name: "TWIN "})

	got, err := ticketsync.Resolve(ctx, f.client, ticketsync.BoardSettings{
		Board:  connectwise.Ref{Name: "  service DESK "},
		Status: connectwise.Ref{Name: "in progress"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Board.ID != f.board.ID || got.Status.ID != f.updSt.ID {
		t.Errorf("resolved board %d status %d, want %d and %d", got.Board.ID, got.Status.ID, f.board.ID, f.updSt.ID)
	}
	got, err = ticketsync.Resolve(ctx, f.client, ticketsync.BoardSettings{Board: connectwise.Ref{ID: f.board.ID}, Status: connectwise.Ref{ID: f.newSt.ID}})
	if err != nil || got.Board.Name != f.board.Name {
		t.Fatalf("by id: %+v, %v", got, err)
	}

	for _, tc := range []struct {
		name string
		s    ticketsync.BoardSettings
		want string
	}{
		{"ambiguous name", ticketsync.BoardSettings{Board: connectwise.Ref{Name: "twin"}},
			`ticketsync: Board: "twin" matches 2 boards; choose by id`},
		{"unknown name", ticketsync.BoardSettings{Board: connectwise.Ref{Name: "Nowhere"}},
			"ticketsync: Board: Nowhere does not exist on the PSA"},
		{"unknown id", ticketsync.BoardSettings{Board: connectwise.Ref{ID: 987654}},
			"ticketsync: Board: id 987654 does not exist on the PSA"},
		{"unknown status on the board", ticketsync.BoardSettings{Board: connectwise.Ref{ID: f.board.ID}, Status: connectwise.Ref{Name: "Parked"}},
			`ticketsync: Status: on board "Service Desk": Parked does not exist on this board`},
		{"a status of another board", ticketsync.BoardSettings{Board: connectwise.Ref{ID: f.board.ID}, Status: connectwise.Ref{ID: f.srv.Statuses(twin.ID)[0].ID}},
			`ticketsync: Status: on board "Service Desk": id ` + strconv.Itoa(f.srv.Statuses(twin.ID)[0].ID) + " does not exist on this board"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ticketsync.Resolve(ctx, f.client, tc.s)
			var ce *bridge.ConfigError
			if !errors.As(err, &ce) || err.Error() != tc.want {
				t.Fatalf("got %v, want the ConfigError %q", err, tc.want)
			}
		})
	}

	// A failing read is passed on, named, not read as "no such board".
	f.srv.Close()
	_, err = ticketsync.Resolve(ctx, f.client, ticketsync.BoardSettings{Board: connectwise.Ref{Name: "Twin"}})
	var ce *bridge.ConfigError
	if err == nil || errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "ticket settings: reading boards: ") {
		t.Fatalf("after the server closed: %v", err)
	}
}
