package connectwise

import (
	"context"
	"iter"
)

// MembersService reads PSA members (people and API members).
type MembersService service

// Member is a PSA member.
type Member struct {
	ID                  int    `json:"id,omitempty"`
	Identifier          string `json:"identifier,omitempty"`
	FirstName           string `json:"firstName,omitempty"`
	LastName            string `json:"lastName,omitempty"`
	InactiveFlag        bool   `json:"inactiveFlag,omitempty"`
	SecurityRole        Ref    `json:"securityRole,omitzero"`
	ServiceDefaultBoard Ref    `json:"serviceDefaultBoard,omitzero"`
	// Where the member's records go by default; see BoardDefaults.
	DefaultLocation          Ref   `json:"defaultLocation,omitzero"`
	DefaultDepartment        Ref   `json:"defaultDepartment,omitzero"`
	ServiceDefaultLocation   Ref   `json:"serviceDefaultLocation,omitzero"`
	ServiceDefaultDepartment Ref   `json:"serviceDefaultDepartment,omitzero"`
	Info                     *Info `json:"_info,omitempty"`
}

// List returns one page of members.
func (s *MembersService) List(ctx context.Context, opts *ListOptions) ([]Member, *Response, error) {
	return list[Member](ctx, s.client, "system/members", false, opts)
}

// All walks every member lazily.
func (s *MembersService) All(ctx context.Context, opts *ListOptions) iter.Seq2[Member, error] {
	return all[Member](ctx, s.client, "system/members", false, opts)
}

// Get returns one member.
func (s *MembersService) Get(ctx context.Context, id int) (*Member, *Response, error) {
	return get[Member](ctx, s.client, idPath("system/members", id))
}
