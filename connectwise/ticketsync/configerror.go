package ticketsync

import (
	"fmt"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// settingFields maps the words Resolve's look-ups use in their messages
// ("status on update") to the BoardSettings field they stand for,
// so that its errors name the field as every other package does: as the
// Go field the caller filled in.
var settingFields = map[string]string{
	"board":            "Board",
	"status":           "Status",
	"status on update": "UpdateStatus",
	"type":             "Type",
	"subtype":          "SubType",
	"item":             "Item",
	"priority":         "Priority",
}

// settingError reports a refused BoardSettings field, given by its word in
// settingFields, checked on board (empty for the board itself and for the
// priority, which is PSA-wide). The board goes into Problem because a
// caller configuring several boards must see which one, and ConfigError
// has no field for it.
func settingError(field, board, problem string) *bridge.ConfigError {
	if f, ok := settingFields[field]; ok {
		field = f
	}
	if board != "" {
		problem = fmt.Sprintf("on board %q: %s", board, problem)
	}
	return &bridge.ConfigError{API: "ticketsync", Field: field, Problem: problem}
}
