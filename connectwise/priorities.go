package connectwise

import (
	"context"
	"iter"
)

// PrioritiesService reads ticket priorities. Priorities are global, not
// per board.
type PrioritiesService service

// Priority is a ticket priority.
type Priority struct {
	ID          int    `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	Color       string `json:"color,omitempty"`
	SortOrder   int    `json:"sortOrder,omitempty"`
	DefaultFlag bool   `json:"defaultFlag,omitempty"`
	Level       string `json:"level,omitempty"`
	Info        *Info  `json:"_info,omitempty"`
}

// List returns one page of priorities.
func (s *PrioritiesService) List(ctx context.Context, opts *ListOptions) ([]Priority, *Response, error) {
	return list[Priority](ctx, s.client, "service/priorities", false, opts)
}

// All walks every priority lazily.
func (s *PrioritiesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Priority, error] {
	return all[Priority](ctx, s.client, "service/priorities", false, opts)
}

// Get returns one priority.
func (s *PrioritiesService) Get(ctx context.Context, id int) (*Priority, *Response, error) {
	return get[Priority](ctx, s.client, idPath("service/priorities", id))
}
