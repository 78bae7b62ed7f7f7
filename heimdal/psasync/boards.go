package psasync

import (
	"context"
	"fmt"
	"slices"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/bridge"
	"github.com/psabridge/psabridge/connectwise/flow"
	"github.com/psabridge/psabridge/connectwise/ticketsync"
	"github.com/psabridge/psabridge/heimdal"
)

// BoardConfig is one Heimdal board's validated ticket settings.
type BoardConfig struct {
	Board Board
	// Settings are the settings as resolved against the PSA: every
	// reference has its id and name, and Close is the status Operations
	// tickets are closed with.
	Settings ticketsync.ResolvedBoard
	// Routes gives each of the board's modules its ticket type and subtype.
	Routes []Route
}

// Route is the ticket type and subtype of one module's tickets.
type Route struct {
	Module  heimdal.Module
	Type    connectwise.Ref
	SubType connectwise.Ref
}

// route returns m's route; modules without one use the configured fields.
func (bc *BoardConfig) route(m heimdal.Module) Route {
	for _, r := range bc.Routes {
		if r.Module == m {
			return r
		}
	}
	return Route{Module: m, Type: bc.Settings.Type, SubType: bc.Settings.SubType}
}

func (bc *BoardConfig) clone() *BoardConfig {
	cp := *bc
	cp.Routes = slices.Clone(bc.Routes)
	return &cp
}

// DefaultBoardSettings returns the settings that fit a board made by
// ProvisionBoards: the board of that name, tickets created in New, and
// for Heimdal Operations moved to Updated when their notification changes.
// Type and subtype follow each alert's module; item and priority are left
// to the PSA's defaults.
func DefaultBoardSettings(b Board) ticketsync.BoardSettings {
	s := ticketsync.BoardSettings{
		Board:  connectwise.Ref{Name: b.String()},
		Status: connectwise.Ref{Name: StatusNew},
	}
	if b == BoardOperations {
		s.UpdateStatus = connectwise.Ref{Name: StatusUpdated}
	}
	return s
}

// ConfigureBoard validates the ticket settings of Heimdal board b against
// the live PSA and, if they hold, stores them; it is the Configure Heimdal
// Operations / Cyber Alerts / M365 Notifications button. References may be
// given by id or name. Everything but Priority must belong to the chosen
// PSA board; the status on creation may not be a closed status (empty
// means the board's default); a status on update is accepted for Heimdal
// Operations only, whose board must also have a closed status to close
// tickets with. A problem is a *bridge.ConfigError whose Field is the
// BoardSettings field and whose Problem names the board.
//
// Each module's tickets get the board's type and subtype named after the
// module (as ProvisionBoards creates them) when the board has them, so a
// CPU notification is filed as type CPU, subtype CPU; modules the board
// has no type or subtype for use the configured Type and SubType. The
// routes are in the returned BoardConfig.
func (in *Integration) ConfigureBoard(ctx context.Context, b Board, s ticketsync.BoardSettings) (*BoardConfig, error) {
	if !b.Valid() {
		return nil, &bridge.ConfigError{API: "psasync", Field: "Board", Problem: fmt.Sprintf("%v is not one of the three Heimdal boards", b)}
	}
	c := in.psa
	update := s.UpdateStatus
	if b != BoardOperations {
		// Resolved first, so that the error can name the PSA board.
		s.UpdateStatus = connectwise.Ref{}
	}
	rb, err := ticketsync.Resolve(ctx, c, s)
	if err != nil {
		return nil, err
	}
	if b != BoardOperations && (update.ID != 0 || update.Name != "") {
		return nil, &bridge.ConfigError{API: "psasync", Field: "UpdateStatus",
			Problem: fmt.Sprintf("on board %q: is only available for %s tickets; %s tickets keep their status until a technician changes it", rb.Board.Name, BoardOperations, b)}
	}
	if b == BoardOperations && rb.Close.ID == 0 {
		return nil, &bridge.ConfigError{API: "psasync", Field: "Status",
			Problem: fmt.Sprintf("on board %q: the board has no active closed status, which Heimdal Operations tickets are closed with when their notification disappears", rb.Board.Name)}
	}
	routes, err := routesFor(ctx, c, b, rb)
	if err != nil {
		return nil, err
	}
	bc := &BoardConfig{Board: b, Settings: *rb, Routes: routes}
	if err := flow.PutJSON(ctx, in.store, in.boardKey(b), bc); err != nil {
		return nil, fmt.Errorf("psasync: saving the %s configuration: %w", b, err)
	}
	return bc.clone(), nil
}

// routesFor finds each module's type and subtype on the resolved board.
func routesFor(ctx context.Context, c *connectwise.Client, b Board, rb *ticketsync.ResolvedBoard) ([]Route, error) {
	types, err := connectwise.Collect(c.Boards.AllTypes(ctx, rb.Board.ID, nil))
	if err != nil {
		return nil, fmt.Errorf("psasync: reading types of board %q: %w", rb.Board.Name, err)
	}
	subtypes, err := connectwise.Collect(c.Boards.AllSubTypes(ctx, rb.Board.ID, nil))
	if err != nil {
		return nil, fmt.Errorf("psasync: reading subtypes of board %q: %w", rb.Board.Name, err)
	}
	// The configured subtype's type associations, to know whether it may
	// stay when a module's type replaces the configured type.
	var cfgSubAssoc []int
	for _, st := range subtypes {
		if st.ID == rb.SubType.ID {
			cfgSubAssoc = st.TypeAssociationIDs
		}
	}
	var routes []Route
	for _, m := range ModulesFor(b) {
		r := Route{Module: m, Type: rb.Type, SubType: rb.SubType}
		for _, t := range types {
			if !t.InactiveFlag && moduleNamed(b, t.Name) == m {
				r.Type = connectwise.Ref{ID: t.ID, Name: t.Name}
				break
			}
		}
		fits := func(assoc []int) bool { return len(assoc) == 0 || r.Type.ID == 0 || slices.Contains(assoc, r.Type.ID) }
		if r.SubType.ID != 0 && !fits(cfgSubAssoc) {
			r.SubType = connectwise.Ref{}
		}
		for _, st := range subtypes {
			if !st.InactiveFlag && moduleNamed(b, st.Name) == m && fits(st.TypeAssociationIDs) {
				r.SubType = connectwise.Ref{ID: st.ID, Name: st.Name}
				break
			}
		}
		routes = append(routes, r)
	}
	return routes, nil
}

// BoardConfig returns board b's stored configuration; nil when the board is
// not configured.
func (in *Integration) BoardConfig(ctx context.Context, b Board) (*BoardConfig, error) {
	bs, err := in.boards(ctx)
	if err != nil {
		return nil, err
	}
	return bs[b], nil
}
