package cwservice

import (
	"context"
	"fmt"
	"iter"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
)

// Look-ups by name. Boards, and the statuses, types, subtypes and items of
// a board, are short lists: each look-up walks the list and compares names
// without regard to case, so the result does not depend on the PSA
// database's collation. They fail with a *connectwise.LookupError when no
// object or more than one has the name.

// byName is FindOne over a generated model, whose id and name are
// pointers; key returns them, and a nil one counts as zero or empty.
func byName[T any](items iter.Seq2[T, error], what, name string, key func(T) (*int32, *string)) (*T, error) {
	v, err := connectwise.FindOne(items, what, name, func(v T) (int, string) {
		id, n := key(v)
		var i int
		if id != nil {
			i = int(*id)
		}
		if n == nil {
			return i, ""
		}
		return i, *n
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// ByName returns the board named name.
func (s *BoardsService) ByName(ctx context.Context, name string) (*cwmodel.Board, error) {
	return byName(s.All(ctx, nil), "board", name, func(v cwmodel.Board) (*int32, *string) { return v.ID, v.Name })
}

// StatusByName returns the status named name on board boardID.
func (s *BoardsService) StatusByName(ctx context.Context, boardID int, name string) (*cwmodel.BoardStatus, error) {
	return byName(s.AllStatuses(ctx, boardID, nil), fmt.Sprintf("status on board %d", boardID), name,
		func(v cwmodel.BoardStatus) (*int32, *string) { return v.ID, v.Name })
}

// TypeByName returns the ticket type named name on board boardID.
func (s *BoardsService) TypeByName(ctx context.Context, boardID int, name string) (*cwmodel.BoardType, error) {
	return byName(s.AllTypes(ctx, boardID, nil), fmt.Sprintf("type on board %d", boardID), name,
		func(v cwmodel.BoardType) (*int32, *string) { return v.ID, v.Name })
}

// SubtypeByName returns the ticket subtype named name on board boardID.
func (s *BoardsService) SubtypeByName(ctx context.Context, boardID int, name string) (*cwmodel.BoardSubType, error) {
	return byName(s.AllSubtypes(ctx, boardID, nil), fmt.Sprintf("subtype on board %d", boardID), name,
		func(v cwmodel.BoardSubType) (*int32, *string) { return v.ID, v.Name })
}

// ItemByName returns the ticket item named name on board boardID.
func (s *BoardsService) ItemByName(ctx context.Context, boardID int, name string) (*cwmodel.BoardItem, error) {
	return byName(s.AllItems(ctx, boardID, nil), fmt.Sprintf("item on board %d", boardID), name,
		func(v cwmodel.BoardItem) (*int32, *string) { return v.ID, v.Name })
}

// ByName returns the priority named name.
func (s *PrioritiesService) ByName(ctx context.Context, name string) (*cwmodel.Priority, error) {
	return byName(s.All(ctx, nil), "priority", name, func(v cwmodel.Priority) (*int32, *string) { return v.ID, v.Name })
}
