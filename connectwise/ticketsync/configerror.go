package ticketsync

import (
	"fmt"

	"github.com/psabridge/psabridge/connectwise/bridge"
)

// settingFields maps the words SettingError.Field has always used to the
// BoardSettings field they stand for, so that the *bridge.ConfigError a
// caller gets names the field as every other package does: as the Go field
// the caller filled in.
var settingFields = map[string]string{
	"board":            "Board",
	"status":           "Status",
	"status on update": "UpdateStatus",
	"type":             "Type",
	"subtype":          "SubType",
	"item":             "Item",
	"priority":         "Priority",
}

// As lets errors.As reach a *bridge.ConfigError from a *SettingError, the
// configuration-error shape shared by every client and flow. Its Field is
// the BoardSettings field ("UpdateStatus"), and its Problem names the
// board, so settings screens need no type of this package.
func (e *SettingError) As(target any) bool {
	t, ok := target.(**bridge.ConfigError)
	if ok {
		*t = e.config()
	}
	return ok
}

// config is the problem in the shared vocabulary (see As).
func (e *SettingError) config() *bridge.ConfigError {
	field, ok := settingFields[e.Field]
	if !ok {
		field = e.Field
	}
	problem := e.Problem
	if e.Board != "" {
		problem = fmt.Sprintf("on board %q: %s", e.Board, problem)
	}
	return &bridge.ConfigError{API: "ticketsync", Field: field, Problem: problem}
}
