package connectwise

import (
	"context"
	"iter"
)

// BoardsService manages service boards and what belongs to each board:
// statuses, types, subtypes and items. Integrations that provision their
// own boards (Heimdal creates three) use the create methods.
type BoardsService service

// Board is a service board.
type Board struct {
	ID           int    `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	Location     Ref    `json:"location,omitzero"`
	Department   Ref    `json:"department,omitzero"`
	InactiveFlag bool   `json:"inactiveFlag,omitempty"`
	Info         *Info  `json:"_info,omitempty"`
}

// BoardStatus is a status on a board. ClosedStatus statuses close the
// ticket; the PSA spells the inactive field "inactive" here, unlike the
// "inactiveFlag" of types and items.
type BoardStatus struct {
	ID               int    `json:"id,omitempty"`
	Name             string `json:"name,omitempty"`
	Board            Ref    `json:"board,omitzero"`
	SortOrder        int    `json:"sortOrder,omitempty"`
	Inactive         bool   `json:"inactive,omitempty"`
	ClosedStatus     bool   `json:"closedStatus,omitempty"`
	DefaultFlag      bool   `json:"defaultFlag,omitempty"`
	EscalationStatus string `json:"escalationStatus,omitempty"`
	Info             *Info  `json:"_info,omitempty"`
}

// BoardType is a ticket type on a board.
type BoardType struct {
	ID           int    `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	Board        Ref    `json:"board,omitzero"`
	InactiveFlag bool   `json:"inactiveFlag,omitempty"`
	Info         *Info  `json:"_info,omitempty"`
}

// BoardSubType is a ticket subtype on a board; TypeAssociationIDs lists
// the types it may be combined with.
type BoardSubType struct {
	ID                 int    `json:"id,omitempty"`
	Name               string `json:"name,omitempty"`
	Board              Ref    `json:"board,omitzero"`
	InactiveFlag       bool   `json:"inactiveFlag,omitempty"`
	TypeAssociationIDs []int  `json:"typeAssociationIds,omitempty"`
	Info               *Info  `json:"_info,omitempty"`
}

// BoardItem is a ticket item on a board.
type BoardItem struct {
	ID           int    `json:"id,omitempty"`
	Name         string `json:"name,omitempty"`
	Board        Ref    `json:"board,omitzero"`
	InactiveFlag bool   `json:"inactiveFlag,omitempty"`
	Info         *Info  `json:"_info,omitempty"`
}

const boardsPath = "service/boards"

// List returns one page of boards.
func (s *BoardsService) List(ctx context.Context, opts *ListOptions) ([]Board, *Response, error) {
	return list[Board](ctx, s.client, boardsPath, false, opts)
}

// All walks every board lazily.
func (s *BoardsService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Board, error] {
	return all[Board](ctx, s.client, boardsPath, false, opts)
}

// Get returns one board.
func (s *BoardsService) Get(ctx context.Context, id int) (*Board, *Response, error) {
	return get[Board](ctx, s.client, idPath(boardsPath, id))
}

// Create creates a board.
func (s *BoardsService) Create(ctx context.Context, b *Board) (*Board, *Response, error) {
	if err := b.checkCreate(); err != nil { // location and department are required (boards_required.go)
		return nil, nil, err
	}
	return create(ctx, s.client, boardsPath, b)
}

// Patch updates a board with JSON Patch operations.
func (s *BoardsService) Patch(ctx context.Context, id int, ops ...PatchOp) (*Board, *Response, error) {
	return patch[Board](ctx, s.client, idPath(boardsPath, id), ops)
}

// Delete deletes a board.
func (s *BoardsService) Delete(ctx context.Context, id int) (*Response, error) {
	return remove(ctx, s.client, idPath(boardsPath, id))
}

// ListStatuses returns one page of a board's statuses.
func (s *BoardsService) ListStatuses(ctx context.Context, boardID int, opts *ListOptions) ([]BoardStatus, *Response, error) {
	return list[BoardStatus](ctx, s.client, idPath(boardsPath, boardID, "statuses"), false, opts)
}

// AllStatuses walks every status of a board lazily.
func (s *BoardsService) AllStatuses(ctx context.Context, boardID int, opts *ListOptions) iter.Seq2[BoardStatus, error] {
	return all[BoardStatus](ctx, s.client, idPath(boardsPath, boardID, "statuses"), false, opts)
}

// CreateStatus adds a status to a board.
func (s *BoardsService) CreateStatus(ctx context.Context, boardID int, st *BoardStatus) (*BoardStatus, *Response, error) {
	return create(ctx, s.client, idPath(boardsPath, boardID, "statuses"), st)
}

// PatchStatus updates a board status.
func (s *BoardsService) PatchStatus(ctx context.Context, boardID, id int, ops ...PatchOp) (*BoardStatus, *Response, error) {
	return patch[BoardStatus](ctx, s.client, idPath(boardsPath, boardID, "statuses", itoa(id)), ops)
}

// ListTypes returns one page of a board's ticket types.
func (s *BoardsService) ListTypes(ctx context.Context, boardID int, opts *ListOptions) ([]BoardType, *Response, error) {
	return list[BoardType](ctx, s.client, idPath(boardsPath, boardID, "types"), false, opts)
}

// AllTypes walks every type of a board lazily.
func (s *BoardsService) AllTypes(ctx context.Context, boardID int, opts *ListOptions) iter.Seq2[BoardType, error] {
	return all[BoardType](ctx, s.client, idPath(boardsPath, boardID, "types"), false, opts)
}

// CreateType adds a ticket type to a board.
func (s *BoardsService) CreateType(ctx context.Context, boardID int, t *BoardType) (*BoardType, *Response, error) {
	return create(ctx, s.client, idPath(boardsPath, boardID, "types"), t)
}

// ListSubTypes returns one page of a board's subtypes.
func (s *BoardsService) ListSubTypes(ctx context.Context, boardID int, opts *ListOptions) ([]BoardSubType, *Response, error) {
	return list[BoardSubType](ctx, s.client, idPath(boardsPath, boardID, "subtypes"), false, opts)
}

// AllSubTypes walks every subtype of a board lazily.
func (s *BoardsService) AllSubTypes(ctx context.Context, boardID int, opts *ListOptions) iter.Seq2[BoardSubType, error] {
	return all[BoardSubType](ctx, s.client, idPath(boardsPath, boardID, "subtypes"), false, opts)
}

// CreateSubType adds a subtype to a board.
func (s *BoardsService) CreateSubType(ctx context.Context, boardID int, st *BoardSubType) (*BoardSubType, *Response, error) {
	return create(ctx, s.client, idPath(boardsPath, boardID, "subtypes"), st)
}

// ListItems returns one page of a board's items.
func (s *BoardsService) ListItems(ctx context.Context, boardID int, opts *ListOptions) ([]BoardItem, *Response, error) {
	return list[BoardItem](ctx, s.client, idPath(boardsPath, boardID, "items"), false, opts)
}

// AllItems walks every item of a board lazily.
func (s *BoardsService) AllItems(ctx context.Context, boardID int, opts *ListOptions) iter.Seq2[BoardItem, error] {
	return all[BoardItem](ctx, s.client, idPath(boardsPath, boardID, "items"), false, opts)
}

// CreateItem adds an item to a board.
func (s *BoardsService) CreateItem(ctx context.Context, boardID int, it *BoardItem) (*BoardItem, *Response, error) {
	return create(ctx, s.client, idPath(boardsPath, boardID, "items"), it)
}
