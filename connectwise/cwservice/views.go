package cwservice

import (
	"encoding/json"
	"fmt"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
)

// Converters between the full ticket model and the core package's narrow
// view (connectwise.Ticket), for programs that use both. The view is a
// subset of the spec's Ticket with the same JSON names (checked when it is
// generated), so the conversion goes through JSON: it cannot drift from
// either model, and a field the caller left zero in the view stays unset
// (nil) in the full model, so a create from it does not overwrite the
// PSA's defaults.

// TicketView returns the core package's view of t: the fields it keeps,
// as value types. It fails only when t holds a date the view cannot read
// (the spec types closedDate as a plain string).
func TicketView(t *cwmodel.Ticket) (connectwise.Ticket, error) {
	var v connectwise.Ticket
	if t == nil {
		return v, nil
	}
	return v, convert(t, &v)
}

// TicketFromView returns the full model of v, with only the fields v sets.
func TicketFromView(v connectwise.Ticket) (*cwmodel.Ticket, error) {
	t := new(cwmodel.Ticket)
	if err := convert(v, t); err != nil {
		return nil, err
	}
	return t, nil
}

func convert(from, to any) error {
	b, err := json.Marshal(from)
	if err == nil {
		err = json.Unmarshal(b, to)
	}
	if err != nil {
		return fmt.Errorf("cwservice: converting a ticket: %w", err)
	}
	return nil
}
