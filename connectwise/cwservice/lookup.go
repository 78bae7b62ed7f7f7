package cwservice

import (
	"context"
	"fmt"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
)

// Look-ups by name. Boards, and the statuses, types, subtypes and items of
// a board, are short lists: each look-up walks the list and compares names without regard to case, so the result does not depend on
// the PSA database's collation. They fail with a *connectwise.LookupError
// when no object or more than one has the name.

func key(id *int32, name *string) (int, string) {
	var i int
	var n string
	if id != nil {
		i = int(*id)
	}
	if name != nil {
		n = *name
	}
	return i, n
}

// ByName returns the board named name.
func (s *BoardsService) ByName(ctx context.Context, name string) (*cwmodel.Board, error) {
	v, err := connectwise.FindOne(s.All(ctx, nil), "board", name, func(b cwmodel.Board) (int, string) { return key(b.ID, b.Name) })
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// StatusByName returns the status named name on board boardID.
func (s *BoardsService) StatusByName(ctx context.Context, boardID int, name string) (*cwmodel.BoardStatus, error) {
	v, err := connectwise.FindOne(s.AllStatuses(ctx, boardID, nil), fmt.Sprintf("status on board %d", boardID), name,
		func(v cwmodel.BoardStatus) (int, string) { return key(v.ID, v.Name) })
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// TypeByName returns the ticket type named name on board boardID.
func (s *BoardsService) TypeByName(ctx context.Context, boardID int, name string) (*cwmodel.BoardType, error) {
	v, err := connectwise.FindOne(s.AllTypes(ctx, boardID, nil), fmt.Sprintf("type on board %d", boardID), name,
		func(v cwmodel.BoardType) (int, string) { return key(v.ID, v.Name) })
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// SubtypeByName returns the ticket subtype named name on board boardID.
func (s *BoardsService) SubtypeByName(ctx context.Context, boardID int, name string) (*cwmodel.BoardSubType, error) {
	v, err := connectwise.FindOne(s.AllSubtypes(ctx, boardID, nil), fmt.Sprintf("subtype on board %d", boardID), name,
		func(v cwmodel.BoardSubType) (int, string) { return key(v.ID, v.Name) })
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// ItemByName returns the ticket item named name on board boardID.
func (s *BoardsService) ItemByName(ctx context.Context, boardID int, name string) (*cwmodel.BoardItem, error) {
	v, err := connectwise.FindOne(s.AllItems(ctx, boardID, nil), fmt.Sprintf("item on board %d", boardID), name,
		func(v cwmodel.BoardItem) (int, string) { return key(v.ID, v.Name) })
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// ByName returns the priority named name.
func (s *PrioritiesService) ByName(ctx context.Context, name string) (*cwmodel.Priority, error) {
	v, err := connectwise.FindOne(s.All(ctx, nil), "priority", name, func(v cwmodel.Priority) (int, string) { return key(v.ID, v.Name) })
	if err != nil {
		return nil, err
	}
	return &v, nil
}
