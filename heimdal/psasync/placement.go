package psasync

import (
	"context"

	"github.com/psabridge/psabridge/connectwise"
)

// boardPlacement chooses the location and department of the boards
// provisioning creates, which the PSA requires (connectwise/WIREFACTS.md §2): the API
// member's service defaults, else its general defaults
// (Member.BoardDefaults, from system/myMembers), else those of an active
// existing board. When none is known, creating a board fails with
// connectwise's *BoardError naming the missing field.
func boardPlacement(ctx context.Context, c *connectwise.Client, boards []connectwise.Board) (connectwise.Board, error) {
	var tmpl connectwise.Board
	if me, _, err := c.System.Me(ctx); err == nil {
		tmpl.Location, tmpl.Department = me.BoardDefaults()
	} else if ctx.Err() != nil {
		return tmpl, err
	}
	for _, b := range boards {
		if tmpl.Location.ID != 0 && tmpl.Department.ID != 0 {
			break
		}
		if b.InactiveFlag {
			continue
		}
		if tmpl.Location.ID == 0 && b.Location.ID != 0 {
			tmpl.Location = b.Location
		}
		if tmpl.Department.ID == 0 && b.Department.ID != 0 {
			tmpl.Department = b.Department
		}
	}
	return tmpl, nil
}
