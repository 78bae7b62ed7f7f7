package ticketsync

import (
	"context"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/psabridge/psabridge/connectwise"
)

// BoardSettings are the ticket fields a user picks for one board. Each
// reference may be given by ID or by Name (matched without regard to case).
// Everything but Priority must belong to Board.
type BoardSettings struct {
	Board connectwise.Ref
	// Status is the status on creation; empty means the board's default.
	Status connectwise.Ref
	// UpdateStatus is where a ticket moves when its alert changes; optional.
	UpdateStatus connectwise.Ref
	Type         connectwise.Ref
	SubType      connectwise.Ref
	Item         connectwise.Ref
	// Priority is global in the PSA, not per board.
	Priority connectwise.Ref
}

// ResolvedBoard is a validated BoardSettings with IDs and names filled in,
// plus the board's closed status for auto-close.
type ResolvedBoard struct {
	BoardSettings
	// Close is the status used to close tickets on this board.
	Close connectwise.Ref
}

// Resolve checks s against the live PSA, before anything is written: the
// board exists and is active; the statuses, type, subtype and item belong
// to it and are active; the status on creation (and on update) is not a
// closed status; the subtype may be combined with the type; the priority
// exists. The first problem is returned as a *bridge.ConfigError whose
// Field is the BoardSettings field at fault ("UpdateStatus") and whose
// Problem names the board.
func Resolve(ctx context.Context, c *connectwise.Client, s BoardSettings) (*ResolvedBoard, error) {
	out := &ResolvedBoard{BoardSettings: s}
	board, boardRef, err := findOne(c.Boards.All(ctx, nil), s.Board, "board", "", func(b connectwise.Board) (int, string, bool) {
		return b.ID, b.Name, b.InactiveFlag
	})
	if err != nil {
		return nil, err
	}
	out.Board = boardRef
	bn := board.Name

	statuses, err := connectwise.Collect(c.Boards.AllStatuses(ctx, board.ID, nil))
	if err != nil {
		return nil, err
	}
	// openStatus resolves a status tickets are put in: a closed one would
	// close the ticket as it is written, so it is refused, saying why.
	openStatus := func(ref connectwise.Ref, field, why string) (connectwise.Ref, error) {
		st, r, err := findOne(connectwise.Items(statuses), ref, field, bn, func(st connectwise.BoardStatus) (int, string, bool) { return st.ID, st.Name, st.Inactive })
		if err == nil && st.ClosedStatus {
			err = settingError(field, bn, fmt.Sprintf("%q is a closed status"+why, st.Name))
		}
		return r, err
	}
	if !set(s.Status) {
		for _, st := range statuses {
			if st.DefaultFlag && !st.Inactive {
				out.Status = connectwise.Ref{ID: st.ID, Name: st.Name}
			}
		}
		if out.Status.ID == 0 {
			return nil, settingError("status", bn, "is not set and the board has no default status")
		}
	} else if out.Status, err = openStatus(s.Status, "status", " and cannot be used for new tickets (the integration would close every ticket it creates)"); err != nil {
		return nil, err
	}
	if set(s.UpdateStatus) {
		if out.UpdateStatus, err = openStatus(s.UpdateStatus, "status on update", "; an updated alert is still open"); err != nil {
			return nil, err
		}
	}
	for _, st := range statuses {
		if st.ClosedStatus && !st.Inactive && (out.Close.ID == 0 || strings.EqualFold(st.Name, "Closed")) {
			out.Close = connectwise.Ref{ID: st.ID, Name: st.Name}
		}
	}

	// Type, subtype, item and priority are optional: unset, they stay unset.
	if _, out.Type, err = optional(s.Type, c.Boards.AllTypes(ctx, board.ID, nil), "type", bn, func(t connectwise.BoardType) (int, string, bool) {
		return t.ID, t.Name, t.InactiveFlag
	}); err != nil {
		return nil, err
	}
	st, subType, err := optional(s.SubType, c.Boards.AllSubTypes(ctx, board.ID, nil), "subtype", bn, func(t connectwise.BoardSubType) (int, string, bool) {
		return t.ID, t.Name, t.InactiveFlag
	})
	if err != nil {
		return nil, err
	}
	if out.Type.ID != 0 && len(st.TypeAssociationIDs) > 0 && !contains(st.TypeAssociationIDs, out.Type.ID) {
		return nil, settingError("subtype", bn, fmt.Sprintf("%q cannot be combined with type %q on this board", st.Name, out.Type.Name))
	}
	out.SubType = subType
	if _, out.Item, err = optional(s.Item, c.Boards.AllItems(ctx, board.ID, nil), "item", bn, func(t connectwise.BoardItem) (int, string, bool) {
		return t.ID, t.Name, t.InactiveFlag
	}); err != nil {
		return nil, err
	}
	if _, out.Priority, err = optional(s.Priority, c.Priorities.All(ctx, nil), "priority", "", func(p connectwise.Priority) (int, string, bool) {
		return p.ID, p.Name, false
	}); err != nil {
		return nil, err
	}
	return out, nil
}

func set(r connectwise.Ref) bool { return r.ID != 0 || r.Name != "" }

// optional is findOne for a reference the settings may leave unset: an
// unset one is returned as it is, with the zero T, and nothing is read.
func optional[T any](ref connectwise.Ref, it iter.Seq2[T, error], field, board string, key func(T) (id int, name string, inactive bool)) (T, connectwise.Ref, error) {
	if !set(ref) {
		var zero T
		return zero, ref, nil
	}
	return findOne(it, ref, field, board, key)
}

func contains(ids []int, id int) bool {
	for _, v := range ids {
		if v == id {
			return true
		}
	}
	return false
}

// findOne picks the object a reference names, by ID when set, else by
// name, and returns it with its Ref (ID and name as the PSA spells them).
// It fails with a settingError naming field when the reference matches
// nothing, matches an inactive object, or is ambiguous by name.
// The matching is connectwise.FindOne's, the library's one look-up by
// name; an ID is looked up the same way, as a name no two objects share.
func findOne[T any](it iter.Seq2[T, error], ref connectwise.Ref, field, board string, key func(T) (id int, name string, inactive bool)) (T, connectwise.Ref, error) {
	var zero T
	var none connectwise.Ref
	reading := func(yield func(T, error) bool) {
		for v, err := range it {
			if err != nil {
				err = fmt.Errorf("ticket settings: reading %ss: %w", field, err)
			}
			if !yield(v, err) {
				return
			}
		}
	}
	want, what := ref.Name, ref.Name
	byName := func(v T) (int, string) {
		id, name, _ := key(v)
		return id, name
	}
	if ref.ID != 0 {
		want, what = strconv.Itoa(ref.ID), fmt.Sprintf("id %d", ref.ID)
		byName = func(v T) (int, string) {
			id, _, _ := key(v)
			return id, strconv.Itoa(id)
		}
	}
	hit, err := connectwise.FindOne(reading, field, want, byName)
	if le, ok := err.(*connectwise.LookupError); ok {
		where := "this board"
		if board == "" {
			where = "the PSA"
		}
		if len(le.Matches) == 0 {
			return zero, none, settingError(field, board, fmt.Sprintf("%s does not exist on %s", what, where))
		}
		return zero, none, settingError(field, board, fmt.Sprintf("%q matches %d %ss; choose by id", ref.Name, len(le.Matches), field))
	}
	if err != nil {
		return zero, none, err
	}
	id, name, inactive := key(hit)
	if inactive {
		return zero, none, settingError(field, board, fmt.Sprintf("%q is inactive", name))
	}
	return hit, connectwise.Ref{ID: id, Name: name}, nil
}
